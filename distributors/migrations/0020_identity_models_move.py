"""Memberships and user profiles move to the identity app: removed from this app's state only.

Their tables stay as they are: identity's models keep the names `distributors_membership`,
`distributors_historicalmembership` and `distributors_userprofile`, and identity 0001 takes
them over in its state.
"""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('distributors', '0019_applicant_declined_statuses'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name='HistoricalMembership'),
                migrations.DeleteModel(name='Membership'),
                migrations.DeleteModel(name='UserProfile'),
            ],
            database_operations=[],
        ),
    ]
