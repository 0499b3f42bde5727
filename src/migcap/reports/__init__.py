"""Reports: the World Migration Report generated from the data (HTML site and PDF)."""

from migcap.reports.builder import ReportResult, build_report

__all__ = ["ReportResult", "build_report"]
