"""The settings wing: forms generated from the config schema, and the three panels."""
