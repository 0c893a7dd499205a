"""Running Spec Chain Studio as several processes behind nginx (deploy/launch.py)."""
