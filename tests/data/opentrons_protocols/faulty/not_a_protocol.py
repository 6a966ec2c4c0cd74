"""A helper script, not an Opentrons protocol: no metadata, no apiLevel, no run()."""
import csv
import sys


def plate_map(path):
    with open(path) as fh:
        return {row["well"]: float(row["volume"]) for row in csv.DictReader(fh)}


if __name__ == "__main__":
    print(plate_map(sys.argv[1]))
