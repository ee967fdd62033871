#!/bin/sh
# Fills a directory with sample files a newcomer can back up at once (also used by npm start -- --demo).
set -eu
dir=${1:?usage: seed-demo-share DIR}
mkdir -p "$dir/Documents/Reports" "$dir/Pictures" "$dir/Projects/backtrac"
printf 'Quarterly numbers\nQ1 12\nQ2 15\nQ3 19\n' > "$dir/Documents/Reports/q3.csv"
printf 'Remember the milk.\n' > "$dir/Documents/notes.txt"
printf 'Grüße aus Köln\n' > "$dir/Documents/grüße.txt"
: > "$dir/Documents/empty.txt"
i=0
while [ $i -lt 50 ]; do
  printf 'sample file %s\n' "$i" > "$dir/Projects/backtrac/file-$i.txt"
  i=$((i + 1))
done
head -c 2097152 /dev/urandom > "$dir/Pictures/holiday.raw"
cp "$dir/Documents/notes.txt" "$dir/Projects/notes-copy.txt"
