"""Target profiles: one folder per kind of product (see targets/GUIDE.md)."""
