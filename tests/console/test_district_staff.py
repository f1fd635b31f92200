"""District-scoped staff in the console see only their district's schools, integrations and
runs; another district's ids answer 404 however the URL is edited."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from hub.testing import serve
from plugins.clever.sandbox import CleverSandbox
from tests.console.conftest import Console, sign_in
from tests.console.district_stage import DistrictStage, build_district


@pytest.fixture
def cedar(console: Console) -> Iterator[DistrictStage]:
    sandbox = CleverSandbox(seed=2, users=60)
    with serve(sandbox) as url:
        yield build_district(console.hub, console, url, sandbox.token)


def test_district_staff_see_only_their_district(console: Console, cedar: DistrictStage) -> None:
    client = console.client()
    sign_in(client, *cedar.staff)
    home = client.get("/console")
    assert home.status_code == 200
    assert "Ada Lovelace Elementary" in home.text and "Cedar Ridge Middle" in home.text
    assert "Brook Middle" not in home.text
    for path in (
        f"/console?school={console.school_b}",
        f"/console/accounts?school={console.school_b}",
        f"/console/runs?school={console.school_b}",
        f"/console/integrations?school={console.school_b}",
        f"/console/integrations/{console.integration_b}/settings",
    ):
        answer = client.get(path)
        assert answer.status_code == 404, path
        assert "Brook" not in answer.text
    runs_page = client.get(f"/console/runs?school={cedar.second_school}")
    assert cedar.run in runs_page.text  # the district run is listed at each linked school
    run = client.get(f"/console/runs/{cedar.run}")
    assert run.status_code == 200
    assert "By school" in run.text and "Cedar Ridge Middle" in run.text
    integrations = client.get(f"/console/integrations?school={console.school_a}")
    assert "A district integration" in integrations.text
    assert cedar.integration in integrations.text


def test_a_school_admin_sees_their_part_of_a_district_run_only(
    console: Console, cedar: DistrictStage
) -> None:
    client = console.client()
    sign_in(client, *console.admin_a)
    home = client.get("/console")
    assert home.status_code == 200
    assert "(district)" in home.text
    assert client.get(f"/console/runs/{cedar.run}").status_code == 404
    assert cedar.run not in client.get("/console/runs").text
