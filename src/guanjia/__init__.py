"""Guanjia (管家): a community service desk for street offices."""
