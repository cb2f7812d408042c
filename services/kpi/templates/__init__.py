"""Appraisal templates (考核表): weighted indicators and qualitative items per position."""
