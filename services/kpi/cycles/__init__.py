"""Appraisal cycles (考核周期)."""
