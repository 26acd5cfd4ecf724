from django.db import migrations


def install(apps, schema_editor):
    from guanjia.sla.holidays import CN_2026, holidays_install

    holidays_install(
        apps.get_model("sla", "WorkCalendar"), apps.get_model("sla", "CalendarDay"), CN_2026
    )


class Migration(migrations.Migration):
    dependencies = [("sla", "0001_initial")]

    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
