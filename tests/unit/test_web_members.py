"""Membership records: a person's accounts, an account's members, no crossing between accounts."""

from __future__ import annotations

import pytest

from aptura.web import members
from aptura.web.members import Membership


def test_a_membership_is_readable_from_both_sides(moto_aws: None) -> None:
    assert members.add_member("sub-1", "acct_a") == Membership("sub-1", "acct_a", "owner")
    members.add_member("sub-2", "acct_b")
    assert members.memberships_of("sub-1") == [Membership("sub-1", "acct_a", "owner")]
    assert members.members_of("acct_a") == [Membership("sub-1", "acct_a", "owner")]
    assert members.members_of("acct_b") == [Membership("sub-2", "acct_b", "owner")]
    assert members.memberships_of("sub-unknown") == []


def test_an_account_can_have_several_members(moto_aws: None) -> None:
    members.add_member("sub-1", "acct_a")
    members.add_member("sub-3", "acct_a")
    assert sorted(m.user_sub for m in members.members_of("acct_a")) == ["sub-1", "sub-3"]


def test_an_unknown_role_is_refused_and_nothing_written(moto_aws: None) -> None:
    with pytest.raises(ValueError, match="unknown role"):
        members.add_member("sub-1", "acct_a", role="superuser")
    assert members.memberships_of("sub-1") == []
