"""Traffic through the EC2 network: dropped ends, counts by the minute, metrics, the cache, memory.

The world is test_ec2_flow_logs' shop (web-1 public, app-1 and db-1 private).
"""

from __future__ import annotations

import pytest

from backend.cloud import Cloud
from backend.kit.scenario import ScenarioError
from backend.scenarios import apply, parse_scenario
from backend.services.ec2.traffic import RECENT_BUDGET, Observed, observed_cost
from tests.backend.ec2_helpers import ec2
from tests.backend.test_ec2_flow_logs import SHOP, Shop


@pytest.fixture
async def shop(cloud: Cloud) -> Shop:
    await apply(parse_scenario(SHOP, "shop.toml"), cloud)
    await cloud.clock.advance(60)
    return Shop(cloud)


async def test_a_stopped_instance_gets_no_traffic(shop: Shop) -> None:
    instance = shop.ec2.instances[shop.app.instance_id or ""]
    await ec2(shop.cloud, "StopInstances", InstanceIds=[instance.id])
    assert shop.connect(shop.web, shop.app, 8080) is None
    assert not shop.ec2.traffic.recent
    assert shop.ec2.traffic.counts(shop.app.id, current=True) == (0, 0, 0, 0)


async def test_counts_by_minute_and_the_regions_rejected_last_minute(shop: Shop) -> None:
    traffic = shop.ec2.traffic
    clock = shop.cloud.clock
    await clock.advance(60 - clock.now() % 60)
    shop.connect(shop.web, shop.app, 8080)
    shop.connect("203.0.113.5", shop.web, 22)
    shop.connect("203.0.113.6", shop.web, 22)
    assert traffic.counts(shop.web.id, current=True) == (1, 2, 5000, 300)
    assert traffic.counts(shop.app.id, current=True) == (1, 0, 300, 5000)
    assert traffic.rejected_last_minute() == 0  # the minute is not over
    await clock.advance(60)
    assert traffic.counts(shop.web.id) == (1, 2, 5000, 300)
    assert traffic.rejected_last_minute() == 2
    await clock.advance(60)
    assert traffic.counts(shop.web.id) == (0, 0, 0, 0)
    assert traffic.rejected_last_minute() == 0
    assert [(o.dstport, o.action) for o in traffic.recent] == [
        (8080, "ACCEPT"),
        (22, "REJECT"),
        (22, "REJECT"),
    ]


async def test_completed_connections_are_the_instances_network_metrics(shop: Shop) -> None:
    shop.connect(shop.web, shop.app, 8080)
    shop.connect("203.0.113.5", shop.web, 22)  # refused: the instance never sees it
    assert (shop.web.bytes_out, shop.web.bytes_in, shop.web.packets_out) == (300, 5000, 3)
    assert (shop.app.bytes_in, shop.app.bytes_out, shop.app.packets_in) == (300, 5000, 3)


async def test_a_rule_added_later_is_decided_afresh(shop: Shop) -> None:
    assert shop.connect("203.0.113.5", shop.web, 22).action == "REJECT"
    await shop.allow(shop.web, 22, "0.0.0.0/0")
    assert shop.connect("203.0.113.5", shop.web, 22).action == "ACCEPT"


async def test_the_source_port_matters_only_as_far_as_the_acls_ranges_go(shop: Shop) -> None:
    """The db ACL lets replies out to 1024-65535: a client on port 1000 gets no reply."""
    traffic = shop.ec2.traffic

    def from_port(port: int) -> Observed:
        seen = traffic.connect(
            shop.app,
            shop.db,
            6,
            port,
            5432,
            packets_out=1,
            bytes_out=100,
            packets_back=1,
            bytes_back=100,
        )
        assert seen is not None
        return seen

    assert from_port(40000).action == from_port(50000).action == "ACCEPT"
    low = from_port(1000)
    assert low.action == "REJECT" and low.reason.startswith("reply refused")


async def test_recent_connections_stay_within_their_byte_budget(shop: Shop) -> None:
    traffic = shop.ec2.traffic
    for n in range(6000):
        shop.connect(f"198.51.100.{n % 250}", shop.web, 443)
    held = sum(observed_cost(o) for o in traffic.recent)
    assert held <= RECENT_BUDGET
    assert 1000 < len(traffic.recent) < 6000
    assert traffic.recent[-1].srcaddr == f"198.51.100.{5999 % 250}"


async def test_a_pool_adds_its_connections_up_in_one_record_a_port(cloud: Cloud) -> None:
    pooled = (
        SHOP
        + """
[[ec2.flow_log]]
resource = "web-1"
log_group = "flows"
interval = 60

[[actor]]
kind = "ec2-traffic"
name = "pooled"
from = "web-1"
to = "app-1"
port = 8080
rate = 2
pool = 1
bytes = { min = 1000, max = 1000 }
"""
    )
    await apply(parse_scenario(pooled, "pooled.toml"), cloud)
    await cloud.clock.advance(180)
    shop = Shop(cloud)
    [flow_log] = shop.ec2.flow_logs.values()
    windows = [r for r in flow_log.recent_records if r.log_status == "OK"]
    requests = [r for r in windows if r.dstport == 8080]
    assert len(requests) == len({r.start // 60 for r in requests}) >= 2  # one a window
    assert len({r.srcport for r in requests}) == 1
    assert sum(int(r.packets) for r in requests) > len(requests) * 3


@pytest.mark.parametrize(
    ("actor", "message"),
    [
        (
            'from = "nobody"\nto = "web-1"\nport = 1',
            "from 'nobody' is not defined in [[ec2.instance]]",
        ),
        ('from = ["internet", "web-1"]\nto = "web-1"\nport = 1', 'from is "internet" or'),
        ('from = "internet"\nto = "web-1"', "port is required"),
        ('from = "internet"\nto = "web-1"\nport = 1\nprotocol = "icmp"', "protocol must be one of"),
        (
            'from = "internet"\nto = "web-1"\nport = 1\nbytes = { min = 10, max = 5 }',
            "bytes: max (5) must be at least min (10)",
        ),
    ],
)
def test_the_actors_mistakes_are_precise(actor: str, message: str) -> None:
    text = SHOP + f'\n[[actor]]\nkind = "ec2-traffic"\nname = "a"\nrate = 1\n{actor}\n'
    with pytest.raises(ScenarioError, match=r"actor\[0\]") as info:
        parse_scenario(text, "shop.toml")
    assert message in str(info.value)
