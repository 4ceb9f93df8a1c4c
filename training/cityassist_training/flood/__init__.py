"""CityAssist training: see training/README.md."""
