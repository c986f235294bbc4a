"""The dashboard's read-only views: buckets, one folder at a time, an object, a preview."""

from __future__ import annotations

from pathlib import Path

from backend.services.s3.views import PREVIEW_BYTES
from tests.backend.test_s3_helpers import new_cloud, put, s3, service


async def test_views_show_buckets_folders_objects_and_previews(tmp_path: Path) -> None:
    cloud = new_cloud(tmp_path)
    await s3(cloud, "CreateBucket", Bucket="photos")
    await s3(cloud, "CreateBucket", Bucket="empty")
    await put(cloud, "photos", "2024/jan/a.jpg", b"a" * 10_000, ContentType="image/jpeg")
    await put(cloud, "photos", "2024/feb.jpg", b"b")
    await put(cloud, "photos", "cover.jpg", b"c", Metadata={"by": "me"}, Tagging="x=1")
    views = service(cloud)

    buckets = views.bucket_views()
    assert [(b.name, b.objects, b.bytes) for b in buckets] == [
        ("empty", 0, 0),
        ("photos", 3, 10_002),
    ]
    assert buckets[1].folder == (tmp_path / "s3/photos").resolve()

    top = views.folder_view("photos")
    assert (top.folders, [o.key for o in top.objects], top.truncated) == (
        ["2024/"],
        ["cover.jpg"],
        False,
    )
    inner = views.folder_view("photos", "2024/")
    assert (inner.folders, [o.key for o in inner.objects]) == (["2024/jan/"], ["2024/feb.jpg"])
    assert views.folder_view("photos", limit=1).truncated

    cover = views.object_view("photos", "cover.jpg")
    assert cover is not None
    assert (cover.size, cover.metadata, cover.tags, cover.content_type) == (
        1,
        {"by": "me"},
        {"x": "1"},
        "binary/octet-stream",
    )
    assert cover.file.read_bytes() == b"c"
    assert views.object_view("photos", "missing") is None
    assert views.preview("photos", "2024/jan/a.jpg") == b"a" * PREVIEW_BYTES
    assert views.preview("photos", "2024/jan/a.jpg", 3) == b"aaa"
    assert views.preview("photos", "missing") == b""
