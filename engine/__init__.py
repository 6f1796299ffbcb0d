"""Engines of the suite that know no product and no pytest: transports, and what they share."""
