"""Appraisals (考核): review flow, grades, distribution checks and bonus factors."""
