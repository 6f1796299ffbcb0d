"""The suite proves itself: the reference app with each fault switch on must turn the suite red."""
