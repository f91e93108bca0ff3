import pytest

from partnership import services
from tests import factories


@pytest.fixture
def certification(db, manager):
    return services.certification_save(
        by=manager,
        code="installer",
        name="Certified installer",
        name_fr="Installateur certifié",
        passing="Installs and commissions the pumps",
        validity_months=12,
    )


@pytest.fixture
def course(db, manager, certification):
    return services.course_save(
        by=manager,
        code="pumps-101",
        title="Pump installation",
        language="en",
        duration_minutes=90,
        url="https://lms.example.test/pumps-101",
        certification=certification,
    )


@pytest.fixture
def plain_course(db, manager):
    """A course that certifies nothing."""
    return services.course_save(
        by=manager,
        code="intro",
        title="Meet the range",
        language="fr",
        duration_minutes=30,
        url="https://lms.example.test/intro",
    )


@pytest.fixture
def rep(db, distributor):
    return factories.MembershipFactory(
        user=factories.UserFactory(username="rep-test", first_name="Rita", last_name="Rep"),
        distributor=distributor,
        role="rep",
    ).user
