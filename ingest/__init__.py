"""Extract folder → validated, pseudonymised Parquet files, metadata and a report.

No database and no web here (docs/ARCHITECTURE.md §9): the services layer calls this API and
decides what to do with the result.
"""

from ingest.convert import ConversionResult, convert_dataset
from ingest.extract import DatasetSource, Extract, read_extract
from ingest.parquet_writer import WrittenFile
from ingest.pseudonym import PseudonymKeys, create_key_file, load_keys
from ingest.report import Problem, Report
from ingest.unit_types import load_unit_types

__all__ = [
    "ConversionResult",
    "DatasetSource",
    "Extract",
    "Problem",
    "PseudonymKeys",
    "Report",
    "WrittenFile",
    "convert_dataset",
    "create_key_file",
    "load_keys",
    "load_unit_types",
    "read_extract",
]
