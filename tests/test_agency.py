"""Agencies and live bases: bindings, the base pool, sign-in rules and the service-fee split."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests import factories
from workbench.domain.agency import make_token, service_fee, split_fee
from workbench.domain.errors import Conflict, DomainError, NotFound
from workbench.services import agency, fees, products, users
from workbench.services.base import SYSTEM

pytestmark = pytest.mark.both_backends


def make_agency(wb, handle, *, kind="base", top=False, registered=True):
    wb.run(users.register, SYSTEM, users.RegisterAgency.parse(
        handle=handle, name=f"基地{handle}", kind=kind, registered=registered, top_annual_contract=top, verified=True))
    return wb.sign_in(handle)


@pytest.fixture
def world(wb):
    base = make_agency(wb, "a.base", top=True)
    other = make_agency(wb, "a.other")
    m = factories.merchant(wb)
    c = factories.creator(wb, "c.low", level_l=3)
    high = factories.creator(wb, "c.high", level_l=6)
    s = factories.support(wb)
    good = factories.product(wb, m, "好评面霜", experience_score="4.8")
    poor = factories.product(wb, m, "差评面霜", experience_score="4.2")
    nobrand = factories.product(wb, m, "无牌面霜", brand="", experience_score="4.9")
    return base, other, m, c, high, s, (good, poor, nobrand)


def bind_creator(wb, base, creator, share="60%", strong=False):
    bid = wb.run(agency.invite_creator, base, agency.InviteCreator.parse(
        creator_id=creator.id, creator_share=share, strong=strong))
    wb.run(agency.answer_creator_binding, creator, agency.Answer(binding_id=bid, accept=True))
    return bid


def store_of(wb, m):
    return wb.run(products.store_id_by_name, m.id, f"{m.handle} 旗舰店")


def test_binding_a_store_syncs_qualifying_products_and_changes_keep_the_pool_true(wb, world):
    base, _o, m, _c, _h, _s, (good, poor, nobrand) = world
    bid = wb.run(agency.invite_store, base, agency.InviteStore(store_id=store_of(wb, m)))
    assert wb.run(agency.base_pool, base) == []   # nothing before the merchant confirms
    wb.run(agency.answer_store_binding, m, agency.Answer(binding_id=bid, accept=True))
    assert [p.product_id for p in wb.run(agency.base_pool, base)] == [good.id]
    with pytest.raises(Conflict):   # confirming twice
        wb.run(agency.answer_store_binding, m, agency.Answer(binding_id=bid, accept=True))
    wb.run(products.update_product, m, products.UpdateProduct(product_id=poor.id, experience_score=Decimal("4.7")))
    wb.run(products.update_product, m, products.UpdateProduct(product_id=good.id, experience_score=Decimal("4.5")))
    assert [p.product_id for p in wb.run(agency.base_pool, base)] == [poor.id]
    wb.run(agency.list_product, base, agency.ListProduct(product_id=poor.id, listed=False))
    assert wb.run(agency.base_pool, base)[0].listed is False


def test_binding_an_already_bound_creator_or_store_is_refused(wb, world):
    base, other, m, c, _h, _s, _p = world
    bind_creator(wb, base, c)
    with pytest.raises(Conflict) as err:
        wb.run(agency.invite_creator, other, agency.InviteCreator.parse(creator_id=c.id, creator_share="50%"))
    assert err.value.field == "creator_id"
    wb.run(agency.invite_store, base, agency.InviteStore(store_id=store_of(wb, m)))
    with pytest.raises(Conflict):
        wb.run(agency.invite_store, other, agency.InviteStore(store_id=store_of(wb, m)))


@pytest.mark.parametrize("share, message", [("120%", "0% 到 100%"), ("-1%", "0% 到 100%"), ("33.333%", "0.01%")])
def test_bad_splits_are_refused(wb, world, share, message):
    base, _o, _m, c, *_ = world
    with pytest.raises(DomainError) as err:
        agency.InviteCreator.parse(creator_id=c.id, creator_share=share)
    assert err.value.field == "creator_share" and message in err.value.message


def _token(wb, base):
    return wb.run(agency.sign_in_token, base)


def test_a_strongly_bound_creator_signs_in_only_at_their_base(wb, world):
    base, other, _m, c, _h, _s, _p = world
    other_base = make_agency(wb, "a.third")
    bind_creator(wb, base, c, strong=True)
    with pytest.raises(DomainError) as err:
        wb.run(agency.base_sign_in, c, agency.SignInCmd(token=_token(wb, other_base)))
    assert "强绑定" in err.value.message
    page = wb.run(agency.base_sign_in, c, agency.SignInCmd(token=_token(wb, base)))
    assert page.base_id == base.id


def test_first_sign_in_anywhere_only_up_to_level_l4(wb, world):
    base, _o, _m, low, high, _s, _p = world
    assert wb.run(agency.base_sign_in, low, agency.SignInCmd(token=_token(wb, base))).base_id == base.id
    with pytest.raises(DomainError) as err:
        wb.run(agency.base_sign_in, high, agency.SignInCmd(token=_token(wb, base)))
    assert "L4" in err.value.message and "L6" in err.value.message


def test_one_base_at_a_time(wb, world):
    base, _o, _m, c, _h, _s, _p = world
    second = make_agency(wb, "a.second")
    wb.run(agency.base_sign_in, c, agency.SignInCmd(token=_token(wb, base)))
    with pytest.raises(DomainError) as err:
        wb.run(agency.base_sign_in, c, agency.SignInCmd(token=_token(wb, second)))
    assert "基地a.base" in err.value.message
    wb.run(agency.end_base_cooperation, c)
    assert wb.run(agency.base_sign_in, c, agency.SignInCmd(token=_token(wb, second))).base_id == second.id


def test_expired_tampered_and_foreign_tokens_are_refused(wb, world):
    base, _o, _m, c, _h, _s, _p = world
    token = _token(wb, base)
    head, body, mac = token.split(".")
    with pytest.raises(DomainError) as err:
        wb.run(agency.base_sign_in, c, agency.SignInCmd(token=f"{head}.{body}x.{mac}"))
    assert err.value.message == "签到码无效"
    forged = make_token(base.id, wb.clock.now(), 10, b"not the secret")
    with pytest.raises(DomainError):
        wb.run(agency.base_sign_in, c, agency.SignInCmd(token=forged))
    wb.clock.advance(minutes=11)
    with pytest.raises(DomainError) as err:
        wb.run(agency.base_sign_in, c, agency.SignInCmd(token=token))
    assert "过期" in err.value.message


def test_service_fee_and_split_to_the_fen():
    assert service_fee(12_345, Decimal("0.2")) == 2469
    bound = split_fee(10_000, bound=True, creator_share=Decimal("0.6"), platform_bound=Decimal("0.3"),
                      platform_individual=Decimal("0.4"))
    assert (bound.platform_cents, bound.creator_cents, bound.agency_cents) == (3000, 4200, 2800)
    alone = split_fee(10_000, bound=False, creator_share=None, platform_bound=Decimal("0.3"),
                      platform_individual=Decimal("0.4"))
    assert (alone.platform_cents, alone.creator_cents, alone.agency_cents) == (4000, 6000, 0)
    odd = split_fee(333, bound=True, creator_share=Decimal("0.3333"), platform_bound=Decimal("0.3"),
                    platform_individual=Decimal("0.4"))
    assert odd.platform_cents + odd.creator_cents + odd.agency_cents == 333


def test_a_binding_changes_only_the_orders_paid_while_it_holds(wb, world):
    base, _o, m, c, _h, s, (good, *_rest) = world
    before = wb.run(fees.record_sale, s, fees.RecordSale(product_id=good.id, creator_id=c.id, paid="100"))
    wb.clock.advance(minutes=1)
    bid = bind_creator(wb, base, c, share="50%")
    during = wb.run(fees.record_sale, s, fees.RecordSale(product_id=good.id, creator_id=c.id, paid="100"))
    wb.run(agency.set_split, base, agency.SetSplit(binding_id=bid, creator_share="80%"))
    later = wb.run(fees.record_sale, s, fees.RecordSale(product_id=good.id, creator_id=c.id, paid="100"))
    wb.clock.advance(minutes=1)
    wb.run(agency.end_creator_binding, base, agency.BindingRef(binding_id=bid))
    after = wb.run(fees.record_sale, s, fees.RecordSale(product_id=good.id, creator_id=c.id, paid="100"))
    # ¥100 × 20% rate = ¥20 fee
    assert (before.split.platform_cents, before.split.creator_cents, before.split.agency_cents) == (800, 1200, 0)
    assert (during.split.platform_cents, during.split.creator_cents, during.split.agency_cents) == (600, 700, 700)
    assert (later.split.creator_cents, later.split.agency_cents) == (1120, 280)
    assert (after.split.platform_cents, after.split.creator_cents, after.split.agency_cents) == (800, 1200, 0)
    again = wb.run(fees.sales, s)
    assert [x.split.agency_cents for x in reversed(again)] == [0, 700, 280, 0]   # stored, not recomputed


def test_admission_names_the_missing_condition(wb, world):
    base, *_ = world
    unverified = factories.creator(wb, "c.unverified", verified=False)
    v0 = factories.creator(wb, "c.v0", level_v=0)
    with pytest.raises(DomainError) as err:
        wb.run(agency.invite_creator, base, agency.InviteCreator.parse(creator_id=unverified.id, creator_share="50%"))
    assert "实名认证" in err.value.message
    with pytest.raises(DomainError) as err:
        wb.run(agency.invite_creator, base, agency.InviteCreator.parse(creator_id=v0.id, creator_share="50%"))
    assert "V0" in err.value.message and "V1" in err.value.message
    restricted = factories.merchant(wb, "m.restricted", standing="restricted")
    with pytest.raises(DomainError) as err:
        wb.run(agency.invite_store, base, agency.InviteStore(store_id=store_of(wb, restricted)))
    assert "状态正常" in err.value.message
    unregistered = make_agency(wb, "a.unreg", registered=False)
    with pytest.raises(DomainError) as err:
        wb.run(agency.invite_creator, unregistered, agency.InviteCreator.parse(creator_id=v0.id, creator_share="5%"))
    assert "工商注册" in err.value.message


def test_base_data_counts_only_bound_creators_and_stores_during_the_binding(wb, world):
    base, _o, m, c, _h, s, (good, *_r) = world
    wb.run(fees.record_sale, s, fees.RecordSale(product_id=good.id, creator_id=c.id, paid="50"))
    wb.clock.advance(minutes=1)
    bind_creator(wb, base, c)
    bid = wb.run(agency.invite_store, base, agency.InviteStore(store_id=store_of(wb, m)))
    wb.run(agency.answer_store_binding, m, agency.Answer(binding_id=bid, accept=True))
    wb.clock.advance(minutes=5)
    wb.run(fees.record_sale, s, fees.RecordSale(product_id=good.id, creator_id=c.id, paid="199"))
    wb.run(fees.record_sale, s, fees.RecordSale(product_id=good.id, creator_id=c.id, paid="1"))
    data = wb.run(agency.base_data, base)
    assert data.total_orders == 2 and data.total_gmv_cents == 20_000
    assert data.per_creator == [("主播c.low", 2, 20_000)]


def test_others_cannot_touch_a_binding(wb, world):
    base, other, _m, c, high, _s, _p = world
    bid = wb.run(agency.invite_creator, base, agency.InviteCreator.parse(creator_id=c.id, creator_share="60%"))
    with pytest.raises(NotFound):
        wb.run(agency.answer_creator_binding, high, agency.Answer(binding_id=bid, accept=True))
    with pytest.raises(NotFound):
        wb.run(agency.set_split, other, agency.SetSplit(binding_id=bid, creator_share="10%"))
    assert wb.run(agency.creator_bindings, other) == []
    assert [b.id for b in wb.run(agency.creator_bindings, c)] == [bid]
