"""Exports, imports and reports for managers and finance: reads every stage through its selectors."""
