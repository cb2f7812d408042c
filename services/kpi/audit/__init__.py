"""The KPI service's audit log: cycle decisions, calibration locks, refusals."""
