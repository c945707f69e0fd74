"""The shipped zone reference data (zones/data/national_hitech_zones.csv)."""
import csv
from pathlib import Path

from newsroom.text.slugs import free_slug, pinyin_slug

REFERENCE_CSV = Path(__file__).resolve().parent / "data" / "national_hitech_zones.csv"


def read_reference_rows(path: Path = REFERENCE_CSV) -> list[dict]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def load_reference_zones(zone_model, rows: list[dict] | None = None) -> int:
    """Create the zones of the reference list that the database lacks; returns how many.

    Takes the model class so that a data migration can pass its historical model.
    Existing zones are left as editors made them.
    """
    rows = read_reference_rows() if rows is None else rows
    existing = set(zone_model.objects.values_list("name", flat=True))
    slugs = set(zone_model.objects.values_list("slug", flat=True))
    new = []
    for row in rows:
        name = row["short_name"].strip()
        if not name or name in existing:
            continue
        slug = free_slug(pinyin_slug(name), slugs)
        slugs.add(slug)
        existing.add(name)
        year = row.get("approved_year", "").strip()
        new.append(
            zone_model(
                name=name,
                official_name=row["official_name"].strip(),
                aliases=";".join(a.strip() for a in row["aliases"].split(";") if a.strip()),
                province=row["province"].strip(),
                city=row["city"].strip(),
                approved_year=int(year) if year else None,
                slug=slug,
                source=row["source"].strip(),
                verified=True,
            )
        )
    zone_model.objects.bulk_create(new)
    return len(new)
