from django.db import migrations


def install(apps, schema_editor):
    from guanjia.catalog.defaults import catalog_install_defaults

    catalog_install_defaults(apps.get_model("catalog", "ServiceCategory"))


class Migration(migrations.Migration):
    dependencies = [("catalog", "0001_initial")]

    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
