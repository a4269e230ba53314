"""Registration and signing in: validated fields, unique handles, unknown users refused."""

import pytest

from tests import factories
from workbench.domain.errors import DomainError, Forbidden, NotFound
from workbench.domain.roles import Role
from workbench.services import users
from workbench.services.base import SYSTEM

pytestmark = pytest.mark.both_backends


def test_register_and_sign_in(wb):
    m = factories.merchant(wb)
    assert m.role is Role.MERCHANT and m.zone == "Asia/Shanghai"
    listed = wb.run(users.list_users)
    assert [(u.handle, u.role) for u in listed] == [("m.test", Role.MERCHANT)]


def test_unknown_user_is_named(wb):
    with pytest.raises(NotFound) as err:
        wb.sign_in("nobody")
    assert "nobody" in err.value.message


@pytest.mark.parametrize("field, value", [("contact_phone", "12345"), ("handle", "Bad Handle"),
                                          ("service_fee_rate", "1.5")])
def test_bad_registration_fields_are_named(wb, field, value):
    values = dict(handle="m.x", name="X", company="X", contact_name="X", contact_phone="13800001234",
                  service_fee_rate="0.2")
    values[field] = value
    with pytest.raises(DomainError) as err:
        users.RegisterMerchant.parse(**values)
    assert err.value.field == field


def test_handles_are_unique_and_only_support_registers(wb):
    factories.merchant(wb)
    with pytest.raises(DomainError) as err:
        factories.merchant(wb)
    assert err.value.field == "handle"
    m = wb.sign_in("m.test")
    with pytest.raises(Forbidden):
        wb.run(users.register, m, users.RegisterSupport.parse(handle="s.x", name="x"))


def test_creator_categories_come_from_the_list(wb):
    with pytest.raises(DomainError) as err:
        users.RegisterCreator.parse(handle="c.x", name="x", nickname="x", level_v=1, level_l=1, fans=1,
                                    avg_viewers=1, quote="100", categories=["火箭"])
    assert err.value.field.startswith("categories")
    assert wb.run(users.list_users, Role.CREATOR) == []
    assert SYSTEM.is_system
