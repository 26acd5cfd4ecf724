from django.db import migrations

DEPARTMENT_CODES = ["assignment.matter", "composite.task"]


def install(apps, schema_editor):
    from guanjia.catalog.defaults import catalog_install_defaults

    category = apps.get_model("catalog", "ServiceCategory")
    catalog_install_defaults(category)
    # On a fresh database 0002 already created them from the current defaults, with the fields
    # its historical model knew: the working calendar came later (0003), so set it here.
    category.objects.filter(code__in=DEPARTMENT_CODES, handler_kind="department").update(
        calendar="working"
    )


class Migration(migrations.Migration):
    dependencies = [("catalog", "0004_department_handler_kind")]

    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
