"""The indicator library (指标库): indicators, their data sources and scoring rules."""
