"""Seed the official calendar 2004–2026 (from chinese_calendar) and the national deadline rules.

Both writers live in xinfang.deadlines.seed and are shared with ``xinfang calendar seed``. They only add what
is missing, so a later migration can call them again after the rule table grows.
"""

from django.db import migrations

from xinfang.deadlines import seed

# Fixed here rather than "whatever the installed package has", so this migration gives the same result
# on every installation; later years come from ``xinfang calendar seed`` or an import.
SEED_YEARS = list(range(2004, 2027))


def forwards(apps, schema_editor):
    CalendarYear = apps.get_model("deadlines", "CalendarYear")
    CalendarDay = apps.get_model("deadlines", "CalendarDay")
    DeadlineRule = apps.get_model("deadlines", "DeadlineRule")
    seed.write_package_calendar(CalendarYear, CalendarDay, SEED_YEARS)
    seed.write_rules(DeadlineRule)


class Migration(migrations.Migration):
    dependencies = [("deadlines", "0001_initial")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop, elidable=False)]
