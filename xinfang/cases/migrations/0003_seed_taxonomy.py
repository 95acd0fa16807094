from django.db import migrations


def forwards(apps, schema_editor):
    from xinfang.cases.taxonomy import seed_categories

    seed_categories(apps.get_model("cases", "Category"))


class Migration(migrations.Migration):
    dependencies = [("cases", "0002_initial")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
