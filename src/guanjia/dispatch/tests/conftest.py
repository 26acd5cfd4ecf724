# The demo street and its people (no history): the setting the Done-when line speaks of.
from guanjia.demo.tests.conftest import demo_street, media  # noqa: F401
