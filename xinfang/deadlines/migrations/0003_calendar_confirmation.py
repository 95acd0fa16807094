"""A year counts as loaded only once an administrator confirms it (decisions §2); a version stamp lets every
server process see calendar edits at once.

The years 2004–2026 seeded by migration 0002 are the State Council's published schedules (the chinese_calendar
package), so they are confirmed here; any later year already entered stays unconfirmed until someone previews and
confirms it.
"""

import uuid

import django.core.validators
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


PUBLISHED_YEARS = range(2004, 2027)  # the years migration 0002 seeds from the package


def forwards(apps, schema_editor):
    from django.utils import timezone

    CalendarYear = apps.get_model("deadlines", "CalendarYear")
    CalendarStamp = apps.get_model("deadlines", "CalendarStamp")
    CalendarYear.objects.filter(year__in=list(PUBLISHED_YEARS), confirmed_at__isnull=True).update(
        confirmed_at=timezone.now()
    )
    CalendarStamp.objects.update_or_create(pk=1, defaults={"token": uuid.uuid4().hex})


class Migration(migrations.Migration):

    dependencies = [
        ('deadlines', '0002_seed_calendar_and_rules'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='CalendarStamp',
            fields=[
                ('id', models.PositiveSmallIntegerField(default=1, primary_key=True, serialize=False)),
                ('token', models.CharField(max_length=32, verbose_name='版本标记')),
            ],
            options={
                'verbose_name': '日历与规则版本',
                'verbose_name_plural': '日历与规则版本',
            },
        ),
        migrations.AddField(
            model_name='calendaryear',
            name='confirmed_at',
            field=models.DateTimeField(blank=True, editable=False, null=True, verbose_name='确认时间'),
        ),
        migrations.AddField(
            model_name='calendaryear',
            name='confirmed_by',
            field=models.ForeignKey(blank=True, editable=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='确认人'),
        ),
        migrations.AlterField(
            model_name='calendaryear',
            name='year',
            field=models.PositiveSmallIntegerField(help_text='录入该年全部节假日和调休上班日后，在“预览并确认”页核对并确认；确认前该年的期限均为暂定。', primary_key=True, serialize=False, validators=[django.core.validators.MinValueValidator(1990), django.core.validators.MaxValueValidator(2100)], verbose_name='年份'),
        ),
        migrations.RunPython(forwards, migrations.RunPython.noop, elidable=False),
    ]
