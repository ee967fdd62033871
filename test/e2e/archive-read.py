"""Reads a zip, tar or tar.gz with Python's own zipfile/tarfile and prints one JSON line per member.

Usage: archive-read.py ARCHIVE zip|tar|tar.gz [SOURCES.json]
SOURCES.json maps member names to files on disk; those members are also compared with the disk file
byte for byte ("same"). Every member gets its sha256 and size as read back through the library (for
zip that includes the library's own CRC check).
"""
import calendar
import hashlib
import json
import stat
import sys
import tarfile
import zipfile

CHUNK = 1 << 20


def digest(stream, source):
    h = hashlib.sha256()
    size = 0
    same = None
    disk = open(source, 'rb') if source else None
    try:
        if disk:
            same = True
        while True:
            block = stream.read(CHUNK)
            if disk and disk.read(len(block) or CHUNK) != block:
                same = False
            if not block:
                break
            h.update(block)
            size += len(block)
    finally:
        if disk:
            disk.close()
    return h.hexdigest(), size, same


def emit(record):
    sys.stdout.write(json.dumps(record, ensure_ascii=False) + '\n')


def main():
    path, fmt = sys.argv[1], sys.argv[2]
    sources = json.load(open(sys.argv[3], encoding='utf-8')) if len(sys.argv) > 3 else {}
    if fmt == 'zip':
        with zipfile.ZipFile(path) as archive:
            for info in archive.infolist():
                mode = info.external_attr >> 16
                kind = 'directory' if info.is_dir() else 'symlink' if stat.S_ISLNK(mode) else 'file'
                record = {'name': info.filename, 'kind': kind, 'mode': stat.S_IMODE(mode),
                          'mtime': calendar.timegm(info.date_time + (0, 0, 0)), 'utf8': bool(info.flag_bits & 0x800)}
                if kind == 'symlink':
                    record['target'] = archive.read(info).decode('utf-8')
                elif kind == 'file':
                    with archive.open(info) as stream:
                        record['sha256'], record['size'], record['same'] = digest(stream, sources.get(info.filename))
                emit(record)
    else:
        with tarfile.open(path, 'r:gz' if fmt == 'tar.gz' else 'r:') as archive:
            for member in archive:
                kind = 'directory' if member.isdir() else 'symlink' if member.issym() else 'file' if member.isfile() else 'other'
                record = {'name': member.name, 'kind': kind, 'mode': member.mode, 'mtime': member.mtime}
                if kind == 'symlink':
                    record['target'] = member.linkname
                elif kind == 'file':
                    record['sha256'], record['size'], record['same'] = digest(archive.extractfile(member), sources.get(member.name))
                emit(record)


main()
