#!/usr/bin/env bash
# System tools and fonts: Chromium for the browser tests, zbar and poppler for the label and PDF report
# tests, pg_dump and pg_restore for the backup test, and the fonts the PDFs are set in (core.pdf_fonts:
# DejaVu Sans, WenQuanYi Zen Hei for CJK).
# `--fonts` installs only the fonts (make run). Installed with apt when missing and we are root (or have
# sudo); otherwise the tests that need them skip with the reason, except under CI=true, where a missing
# tool fails them, and PDFs fall back to Helvetica with a warning in the log.
set -uo pipefail

declare -A PACKAGE_FOR=([chromium]=chromium [chromedriver]=chromium-driver [zbarimg]=zbar-tools [pdftoppm]=poppler-utils
  [pdftotext]=poppler-utils [pdffonts]=poppler-utils [pg_dump]=postgresql-client [pg_restore]=postgresql-client)
# The fonts are found by path (settings PDF_FONT_REGULAR, PDF_FONT_BOLD, PDF_FONT_CJK).
declare -A FONT_PACKAGE_FOR=([/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf]=fonts-dejavu-core
  [/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf]=fonts-dejavu-core
  [/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc]=fonts-wqy-zenhei)
missing=()
if [ "${1:-}" != "--fonts" ]; then
  for tool in "${!PACKAGE_FOR[@]}"; do
    command -v "$tool" >/dev/null 2>&1 || missing+=("${PACKAGE_FOR[$tool]}")
  done
fi
for font in "${!FONT_PACKAGE_FOR[@]}"; do
  [ -f "$font" ] || missing+=("${FONT_PACKAGE_FOR[$font]}")
done
[ ${#missing[@]} -eq 0 ] && exit 0
mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u)

if [ "$(id -u)" -eq 0 ]; then
  as_root=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  as_root=(sudo -n)
else
  echo "install_system_tools: missing ${missing[*]} and no root: their tests will skip, PDFs use Helvetica" >&2
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "install_system_tools: missing ${missing[*]} and no apt-get: their tests will skip, PDFs use Helvetica" >&2
  exit 0
fi
echo "install_system_tools: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${as_root[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null \
  || { "${as_root[@]}" apt-get update -q >/dev/null && "${as_root[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null; } \
  || echo "install_system_tools: could not install ${missing[*]}" >&2
exit 0
