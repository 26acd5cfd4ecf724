"""Demo data: the 双港街道 street, its service center's staff and vendors, and 90 days of orders.

`guanjia demo` loads it once into an empty database (demo/loader.py). The history is planned by a
pure simulator that walks the real lifecycle table (demo/simulator.py) and written in bulk
(demo/history.py), so thousands of orders load in seconds and every figure computed from their
timestamps or their events is true.
"""
