"""Excel master-data import and export: participants, metering points, participations, tariffs.

Import from here, not from the modules: `import_workbook` checks (dry run) or writes a workbook
through one unit of work, `export_workbook` writes the same layout back, `report_workbook`
marks the problem cells in a copy of the input, and `ImportService` is the API the management
app calls (upload → dry-run report, commit by report id). Mappings: `load_mapping`.
"""

from meshkit.adapters.excel.export import export_workbook
from meshkit.adapters.excel.importer import ExcelImport, Progress, import_workbook
from meshkit.adapters.excel.mapping import DEFAULT_MAPPING, Mapping, load_mapping
from meshkit.adapters.excel.problems import ExcelImportError, ImportReport, Problem, Severity
from meshkit.adapters.excel.report import print_report, report_workbook
from meshkit.adapters.excel.service import ImportService

__all__ = [
    "DEFAULT_MAPPING",
    "ExcelImport",
    "ExcelImportError",
    "ImportReport",
    "ImportService",
    "Mapping",
    "Problem",
    "Progress",
    "Severity",
    "export_workbook",
    "import_workbook",
    "load_mapping",
    "print_report",
    "report_workbook",
]
