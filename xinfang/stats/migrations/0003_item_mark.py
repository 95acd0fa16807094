from django.db import migrations, models


def marks_from_facts(apps, schema_editor):
    """Each item's mark is the newest event its stored facts were computed from (kept on every fact until now)."""
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("INSERT INTO stats_itemmark (case_id, upto) "
                       "SELECT case_id, MAX(upto) FROM stats_itemfact GROUP BY case_id")


class Migration(migrations.Migration):

    dependencies = [
        ('stats', '0002_month_rollups'),
    ]

    operations = [
        migrations.CreateModel(
            name='ItemMark',
            fields=[
                ('case_id', models.BigIntegerField(primary_key=True, serialize=False, verbose_name='信访件')),
                ('upto', models.BigIntegerField(verbose_name='截至事件')),
            ],
            options={
                'verbose_name': '信访件统计进度',
                'verbose_name_plural': '信访件统计进度',
            },
        ),
        migrations.RunPython(marks_from_facts, migrations.RunPython.noop),
        migrations.RemoveField(
            model_name='itemfact',
            name='upto',
        ),
    ]
