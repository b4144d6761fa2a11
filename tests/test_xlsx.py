"""test_xlsx.py ICTSURVEY XLSX_DUMP - the .xlsx reader (xlsx/) through tests/xlsx_dump.c.

Workbooks as their writers make them: openpyxl (strings, numbers, dates as serials, booleans,
a formula without a cached value, date1904), the same re-saved by LibreOffice headless (shared
strings, cached formula results; skipped without soffice), libxlsxwriter (the workbook of
`ictsurvey report`); hand-made zips (zipfile) for each feature of the format: inline and rich
strings, phonetic runs, _xHHHH_ escapes, missing r attributes, t="e", t="str", t="d", 1904 dates,
absolute targets, a prefixed and the strict namespace, chart sheets, sparse rows; and what must
be refused with a clear message: a DOCTYPE (billion laughs), parts that inflate past the limit
(a real 300 MiB part and small limits), shared string indexes out of range, bad cell references,
rows and cells out of order, duplicate and encrypted entries, a folder, truncated and damaged
zips, a CSV, an OLE file (.xls), an .ods, an .xlsb, an empty zip, a missing workbook, a folder
path, a missing file. Messages are checked word for word in both languages for a few."""
import datetime
import os
import shutil
import subprocess
import sys
import time
import warnings
import zipfile

import support
from support import check, finish, path, run

DUMP = os.path.abspath(sys.argv[2])

NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
NS_STRICT = "http://purl.oclc.org/ooxml/spreadsheetml/main"
R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
R_STRICT = "http://purl.oclc.org/ooxml/officeDocument/relationships"
PKG = "http://schemas.openxmlformats.org/package/2006/relationships"


def dump(file, *opts, lang="en"):
    """(exit code, rows as lists of fields, stderr)."""
    r = subprocess.run([DUMP, "--lang", lang, *opts, file], capture_output=True, text=True,
                       timeout=300)
    rows = [line.split("\t") for line in r.stdout.splitlines()]
    return r.returncode, rows, r.stderr


def same_both_ways(file, *opts):
    """The rows read from the file and from memory (they must be the same)."""
    a = dump(file, *opts)
    b = dump(file, "--memory", *opts)
    check(a[:2] == b[:2], "%s: the file and its bytes in memory read the same: %r %r"
          % (file, a, b))
    return a


def expect_rows(file, want, *opts):
    code, rows, err = same_both_ways(file, *opts)
    check(code == 0, "%s: read (%s)" % (file, err))
    check(rows == want, "%s: rows\n got  %r\n want %r" % (file, rows, want))


def expect_error(file, code_name, text, *opts, lang="en"):
    """The error's code and a text its message must hold (the first line of stderr)."""
    code, rows, err = dump(file, *opts, lang=lang)
    lines = err.splitlines()
    check(code == 1, "%s: refused (exit %d, %r)" % (file, code, err))
    check(len(lines) == 2 and lines[1] == "code: " + code_name,
          "%s: code %s: %r" % (file, code_name, err))
    check(lines and text in lines[0], "%s: message holds %r: %r" % (file, text, err))
    return lines[0] if lines else ""


# ---- hand-made workbooks -----------------------------------------------------------------

def sheet_xml(rows_xml, ns=NS, prefix=""):
    p = prefix + ":" if prefix else ""
    decl = ' xmlns:%s="%s"' % (prefix, ns) if prefix else ' xmlns="%s"' % ns
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<%sworksheet%s>'
            '<%ssheetData>%s</%ssheetData></%sworksheet>' % (p, decl, p, rows_xml, p, p))


def strings_xml(items, ns=NS):
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<sst xmlns="%s" count="%d">%s</sst>'
            % (ns, len(items), "".join("<si>%s</si>" % i for i in items)))


def workbook(file, sheets, strings=None, ns=NS, rns=R, date1904=False, absolute=False,
             extra=(), rels_override=None, workbook_xml=None, compression=zipfile.ZIP_DEFLATED):
    """sheets: [(name, xml)]; xml None: a chart sheet. extra: more (name, bytes) entries."""
    wb_rels, sheet_list, parts = [], [], []
    for i, (name, xml) in enumerate(sheets, 1):
        kind = "worksheet" if xml is not None else "chartsheet"
        folder = "worksheets" if xml is not None else "chartsheets"
        target = ("/xl/" if absolute else "") + "%s/sheet%d.xml" % (folder, i)
        wb_rels.append('<Relationship Id="rId%d" Type="%s/%s" Target="%s"/>'
                       % (i, rns, kind, target))
        sheet_list.append('<sheet name="%s" sheetId="%d" r:id="rId%d"/>' % (name, i, i))
        parts.append(("xl/%s/sheet%d.xml" % (folder, i),
                      xml if xml is not None else '<chartsheet xmlns="%s"/>' % ns))
    if strings is not None:
        wb_rels.append('<Relationship Id="rIdS" Type="%s/sharedStrings" Target="%s"/>'
                       % (rns, "/xl/sharedStrings.xml" if absolute else "sharedStrings.xml"))
        parts.append(("xl/sharedStrings.xml", strings_xml(strings, ns)))
    pr = '<workbookPr date1904="1"/>' if date1904 else ""
    wb = workbook_xml or ('<?xml version="1.0" encoding="UTF-8"?>\n<workbook xmlns="%s" '
                          'xmlns:r="%s">%s<sheets>%s</sheets></workbook>'
                          % (ns, rns, pr, "".join(sheet_list)))
    with zipfile.ZipFile(file, "w", compression) as z:
        z.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types xmlns="http://schemas.'
                   'openxmlformats.org/package/2006/content-types"/>')
        z.writestr("_rels/.rels", '<?xml version="1.0"?><Relationships xmlns="%s"><Relationship '
                   'Id="rId1" Type="%s/officeDocument" Target="%sxl/workbook.xml"/>'
                   '</Relationships>' % (PKG, rns, "/" if absolute else ""))
        z.writestr("xl/workbook.xml", wb)
        z.writestr("xl/_rels/workbook.xml.rels", rels_override or
                   '<?xml version="1.0"?><Relationships xmlns="%s">%s</Relationships>'
                   % (PKG, "".join(wb_rels)))
        for name, data in parts:
            z.writestr(name, data)
        for name, data in extra:
            z.writestr(name, data)
    return file


def one_sheet(file, rows_xml, strings=None, **kw):
    return workbook(file, [("S", sheet_xml(rows_xml))], strings, **kw)


# ---- openpyxl ----------------------------------------------------------------------------
import openpyxl  # noqa: E402 (python3-openpyxl: the tests run with /usr/bin/python3)

op = path("openpyxl.xlsx")
wb = openpyxl.Workbook()
ws = wb.active
ws.title = "Trường học"
ws.append(["Tên", "Năm sinh", "Ngày", "Có"])
ws.append(["Nguyễn Thị Ánh", 1980, datetime.date(1980, 4, 14), True])
ws.append(["  khoảng trắng  ", -2.5, datetime.datetime(2024, 1, 1, 12, 0), False])
ws["B6"] = 1e-05
ws["C6"] = "=B6*2"           # openpyxl writes no cached value: left out
ws["D8"].number_format = "0.00"  # only a style: left out
ws["XFD9"] = "xa"
ws2 = wb.create_sheet("Sheet 2")
ws2["A1"] = "dòng 1\ndòng 2\tcột"
wb.save(op)
expect_rows(op, [
    ["sheet", "0", "Trường học", "date1904=0"],
    ["Trường học", "1", "A=s:Tên", "B=s:Năm sinh", "C=s:Ngày", "D=s:Có"],
    ["Trường học", "2", "A=s:Nguyễn Thị Ánh", "B=n:1980", "C=n:29325", "D=b:1"],
    ["Trường học", "3", "A=s:  khoảng trắng  ", "B=n:-2.5", "C=n:45292.5", "D=b:0"],
    ["Trường học", "6", "B=n:1e-05"],
    ["Trường học", "9", "XFD=s:xa"],
    ["sheet", "1", "Sheet 2", "date1904=0"],
    ["Sheet 2", "1", "A=s:dòng 1\\ndòng 2\\tcột"],
], "--sheets")

# the callback's answers: stop, the next sheet, any other value stops
code, rows, err = dump(op, "--stop-after", "2")
check(code == 0 and [r[1] for r in rows] == ["1", "2"], "stop after two rows: %r %s" % (rows, err))
code, rows, err = dump(op, "--next-sheet-after", "1")
check(code == 0 and [(r[0], r[1]) for r in rows] == [("Trường học", "1"), ("Sheet 2", "1")],
      "next sheet after one row: %r %s" % (rows, err))
code, rows, err = dump(op, "--return", "77")
check(code == 0 and len(rows) == 1, "a callback's 77 stops: %r %s" % (rows, err))

# 1904 dates: the serial counts from 1904-01-01
op4 = path("openpyxl-1904.xlsx")
wb = openpyxl.Workbook()
wb.epoch = openpyxl.utils.datetime.CALENDAR_MAC_1904
wb.active["A1"] = datetime.date(1980, 4, 14)
wb.save(op4)
expect_rows(op4, [["sheet", "0", "Sheet", "date1904=1"], ["Sheet", "1", "A=n:27863"]], "--sheets")

# ---- LibreOffice ---------------------------------------------------------------------------
soffice = shutil.which("soffice")
if soffice:
    lo_dir = path("lo")
    profile = "file://" + path("lo-profile")

    def libreoffice(src, fmt="xlsx", *options):
        r = subprocess.run([soffice, "-env:UserInstallation=" + profile, "--headless", *options,
                            "--convert-to", fmt, "--outdir", lo_dir, src],
                           capture_output=True, text=True, timeout=180)
        out = os.path.join(lo_dir, os.path.splitext(os.path.basename(src))[0] + "." + fmt)
        check(os.path.exists(out), "LibreOffice converts %s: %s" % (src, r.stderr))
        return out

    lo = libreoffice(op)
    with zipfile.ZipFile(lo) as z:
        check("xl/sharedStrings.xml" in z.namelist(), "LibreOffice writes shared strings")
    # the formula's cached result is there now (C6); LibreOffice keeps XFD; the rest as before
    expect_rows(lo, [
        ["Trường học", "1", "A=s:Tên", "B=s:Năm sinh", "C=s:Ngày", "D=s:Có"],
        ["Trường học", "2", "A=s:Nguyễn Thị Ánh", "B=n:1980", "C=n:29325", "D=b:1"],
        ["Trường học", "3", "A=s:  khoảng trắng  ", "B=n:-2.5", "C=n:45292.5", "D=b:0"],
        ["Trường học", "6", "B=n:1E-005", "C=n:2E-005"],
        ["Trường học", "9", "XFD=s:xa"],
        ["Sheet 2", "1", "A=s:dòng 1\\ndòng 2\\tcột"],
    ])
    # a CSV opened and saved by LibreOffice, as a secretary might
    csv = path("from-csv.csv")
    with open(csv, "w", encoding="utf-8") as f:
        f.write("ma_truong,ten,so_hs\nTH01,Trường Tiểu học Bến Lức,350\nTH02,\"Có, dấu phẩy\",\n")
    # read as UTF-8 (76), comma-separated (44), quoted with " (34)
    expect_rows(libreoffice(csv, "xlsx", "--infilter=CSV:44,34,76"), [
        ["from-csv", "1", "A=s:ma_truong", "B=s:ten", "C=s:so_hs"],
        ["from-csv", "2", "A=s:TH01", "B=s:Trường Tiểu học Bến Lức", "C=n:350"],
        ["from-csv", "3", "A=s:TH02", "B=s:Có, dấu phẩy"],
    ])
    # an .ods: refused with what to do
    ods = libreoffice(op, "ods")
    expect_error(ods, "wrong-kind", "this is an OpenDocument spreadsheet (.ods), not an .xlsx "
                 "workbook: open it in LibreOffice Calc and save it as \"Excel 2007-365 (.xlsx)\"")
else:
    print("soffice not found: the LibreOffice workbooks are skipped", file=sys.stderr)

# ---- libxlsxwriter: the workbook of `ictsurvey report` --------------------------------------
store = support.new_store("s.store", "UBND Bến Lức", "Surveyor", 2013)
support.fill(store, "staff", [support.staff("P1"), support.staff("P2", gender="male")])
bundle = support.export(store, "s.bundle")
db = path("central.db")
r = run("merge", "--db", db, bundle)
check(r.returncode == 0, "merge: " + r.stderr)
rep = path("report.xlsx")
r = run("report", "--db", db, "-o", rep)
check(r.returncode == 0, "report: " + r.stderr)
code, rows, err = same_both_ways(rep, "--sheets")
check(code == 0, "the report workbook is read: " + err)
ref = openpyxl.load_workbook(rep)
# every non-empty cell openpyxl sees is read, with the same text (numbers as written)
want = {}
for wsr in ref.worksheets:
    for row in wsr.iter_rows():
        for c in row:
            if c.value is not None and c.value != "":
                want[(wsr.title, c.row, c.column_letter)] = c.value
got = {}
for line in rows:
    if line[0] == "sheet":
        continue
    for cell in line[2:]:
        col, _, rest = cell.partition("=")
        got[(line[0], int(line[1]), col)] = rest
check(set(got) == set(want), "the report's cells: %r" % sorted(set(got) ^ set(want))[:10])
mismatch = [k for k in want if k in got and
            not (got[k][2:].replace("\\n", "\n") == str(want[k]) or
                 (got[k][0] in "n" and float(got[k][2:]) == float(want[k])) or
                 (got[k][0] == "b" and got[k][2:] == str(int(want[k]))))]
check(not mismatch, "the report's texts: %r" % [(k, got[k], want[k]) for k in mismatch[:5]])
check(len(want) > 50, "the report has cells (%d)" % len(want))

# ---- the features of the format, hand-made -------------------------------------------------
f = one_sheet(path("features.xlsx"),
              '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c>'
              '<c r="C1" t="s"><v>2</v></c><c r="D1" t="s"><v>3</v></c></row>'
              '<row r="2"><c r="A2" t="inlineStr"><is><t>inline</t></is></c>'
              '<c r="B2" t="inlineStr"><is><r><rPr><b/></rPr><t>ri</t></r><r><t>ch</t></r>'
              '<rPh sb="0" eb="1"><t>PHONETIC</t></rPh></is></c>'
              '<c r="C2" t="e"><f>1/0</f><v>#DIV/0!</v></c><c r="D2" t="str"><f>A1&amp;"x"</f>'
              '<v>a_x000D_b</v></c><c r="E2" t="d"><v>2024-03-01T00:00:00</v></c>'
              '<c r="F2" t="b"><v>0</v></c><c r="G2" t="n"><v>-1.5E+3</v></c><c r="H2" s="3"/>'
              '<c r="I2" t="s"><v>4</v></c><c r="J2"><v></v></c><c r="K2" t="str"><v/></c></row>'
              '<row r="3" spans="1:3"/><row r="1048576"><c r="XFD1048576"><v>1</v></c></row>',
              ["<t>plain</t>", "<r><t>rich </t></r><r><rPr><i/></rPr><t>text</t></r>"
               '<rPh sb="0" eb="1"><t>ignored</t></rPh>',
               "<t>line_x000D__x000A_next _x005F_x0041_ _xD83D__xDE00_ &amp;&lt;</t>",
               '<t xml:space="preserve">  spaced  </t>', "<t></t>"])
expect_rows(f, [
    ["S", "1", "A=s:plain", "B=s:rich text", "C=s:line\\r\\nnext _x0041_ \U0001F600 &<",
     "D=s:  spaced  "],
    ["S", "2", "A=s:inline", "B=s:rich", "C=e:#DIV/0!", "D=s:a\\rb", "E=s:2024-03-01T00:00:00",
     "F=b:0", "G=n:-1.5E+3"],
    ["S", "1048576", "XFD=n:1"],
])

# rows and cells without r: the next row, the next column (some writers leave them out); a row
# without r numbered by its first cell
f = one_sheet(path("no-r.xlsx"),
              '<row><c><v>1</v></c><c><v>2</v></c><c r="E1"><v>5</v></c><c><v>6</v></c></row>'
              '<row><c t="inlineStr"><is><t>x</t></is></c></row>'
              '<row r="7"><c><v>7</v></c></row><row><c r="B9"><v>9</v></c></row>')
expect_rows(f, [["S", "1", "A=n:1", "B=n:2", "E=n:5", "F=n:6"], ["S", "2", "A=s:x"],
                ["S", "7", "A=n:7"], ["S", "9", "B=n:9"]])

# 1904, absolute targets, a chart sheet between two worksheets (its tab counts in the index)
f = workbook(path("1904.xlsx"), [("Một", sheet_xml('<row r="1"><c r="A1"><v>1</v></c></row>')),
                                 ("Biểu đồ", None),
                                 ("Ba", sheet_xml('<row r="2"><c r="B2"><v>2</v></c></row>'))],
             date1904=True, absolute=True)
expect_rows(f, [["sheet", "0", "Một", "date1904=1"], ["Một", "1", "A=n:1"],
                ["sheet", "2", "Ba", "date1904=1"], ["Ba", "2", "B=n:2"]], "--sheets")

# a prefixed namespace (x:), and Strict OOXML's namespaces
rows_x = ('<x:row r="1"><x:c r="A1" t="s"><x:v>0</x:v></x:c><x:c r="B1" t="inlineStr"><x:is>'
          '<x:t>i</x:t></x:is></x:c></x:row>')
f = workbook(path("prefixed.xlsx"), [("S", sheet_xml(rows_x, prefix="x"))], ["<t>shared</t>"])
expect_rows(f, [["S", "1", "A=s:shared", "B=s:i"]])
f = workbook(path("strict.xlsx"), [("S", sheet_xml('<row r="1"><c r="A1" t="s"><v>0</v></c>'
                                                  '</row>', ns=NS_STRICT))],
             ["<t>strict</t>"], ns=NS_STRICT, rns=R_STRICT)
expect_rows(f, [["S", "1", "A=s:strict"]])
# elements of another namespace are not SpreadsheetML's, whatever their local name
f = one_sheet(path("foreign.xlsx"), '<row r="1" xmlns:o="urn:other"><o:c r="A1"><o:v>9</o:v>'
              '</o:c><c r="B1"><v>1</v><o:v>2</o:v></c></row>')
expect_rows(f, [["S", "1", "B=n:1"]])
# stored (not deflated) parts; a sparse row holds one cell however far it is
f = one_sheet(path("stored.xlsx"), '<row r="1"><c r="XFD1"><v>3</v></c></row>',
              compression=zipfile.ZIP_STORED)
expect_rows(f, [["S", "1", "XFD=n:3"]])
# UTF-16 parts: expat converts
f = workbook(path("utf16.xlsx"), [("S", sheet_xml('<row r="1"><c r="A1" t="inlineStr"><is>'
                                                 '<t>Đà Nẵng</t></is></c></row>')
                                   .replace('encoding="UTF-8"', 'encoding="UTF-16"')
                                   .encode("utf-16"))])
expect_rows(f, [["S", "1", "A=s:Đà Nẵng"]])

# ---- refused, with a message ---------------------------------------------------------------
SHEET1 = "xl/worksheets/sheet1.xml"

# a DOCTYPE: billion laughs, refused at once (no entity is ever expanded)
lol = ('<?xml version="1.0"?>\n<!DOCTYPE lolz [\n <!ENTITY lol "lol">\n' +
       "".join(' <!ENTITY lol%d "%s">\n' % (i, ("&lol%d;" % (i - 1) if i > 1 else "&lol;") * 10)
               for i in range(1, 10)) +
       ']>\n<worksheet xmlns="%s"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&lol9;'
       '</t></is></c></row></sheetData></worksheet>' % NS)
f = workbook(path("lol.xlsx"), [("S", lol)])
start = time.monotonic()
m = expect_error(f, "refused", "the part has a DOCTYPE declaration, which Excel and LibreOffice "
                 "never write: refused (its entities could expand without bound)")
check(time.monotonic() - start < 5, "billion laughs refused quickly")
check(m.startswith(f + " (" + SHEET1 + "):2:"), "the DOCTYPE's place: %r" % m)
m = expect_error(f, "refused", "phần này có khai báo DOCTYPE, điều mà Excel và LibreOffice không "
                 "bao giờ viết: bị từ chối (các thực thể của nó có thể nở ra không giới hạn)",
                 lang="vi")
check(m.startswith(f + " (" + SHEET1 + "):2:"), "the Vietnamese message's place: %r" % m)
# an external entity in the shared strings: refused the same way, nothing read
ext = ('<?xml version="1.0"?><!DOCTYPE sst [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
       '<sst xmlns="%s"><si><t>&x;</t></si></sst>' % NS)
f = one_sheet(path("xxe.xlsx"), '<row r="1"><c r="A1" t="s"><v>0</v></c></row>',
              extra=[("xl/sharedStrings.xml", ext)])
expect_error(f, "refused", "(xl/sharedStrings.xml):1:36: error: the part has a DOCTYPE")

# a part that inflates beyond ICS_XLSX_MAX_PART (256 MiB): 300 MiB of spaces inside sheetData,
# about 300 KB compressed, refused once 256 MiB were counted, in constant memory
big = path("bomb.xlsx")
workbook(big, [("S", "")])  # the parts but the sheet, written below
with zipfile.ZipFile(big) as z:
    keep = [(i.filename, z.read(i.filename)) for i in z.infolist() if i.filename != SHEET1]
with zipfile.ZipFile(big, "w", zipfile.ZIP_DEFLATED) as z:
    for name, data in keep:
        z.writestr(name, data)
    with z.open(SHEET1, "w", force_zip64=True) as w:
        w.write(('<worksheet xmlns="%s"><sheetData>' % NS).encode())
        block = b" " * (1 << 20)
        for _ in range(300):
            w.write(block)
        w.write(b"</sheetData></worksheet>")
check(os.path.getsize(big) < 2 << 20, "the bomb is small (%d bytes)" % os.path.getsize(big))
expect_error(big, "limit", "the part %s is larger than the limit of 268435456 bytes "
             "uncompressed" % SHEET1)
# its peak memory, of this one process (KiB): far below the part's 256 MiB, sanitizers and all
p = subprocess.Popen([DUMP, big], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
_, status, usage = os.wait4(p.pid, 0)
p.returncode = os.waitstatus_to_exitcode(status)
check(p.returncode == 1 and usage.ru_maxrss < 100 * 1024,
      "the bomb is read in bounded memory (exit %d, peak %d KiB)" % (p.returncode, usage.ru_maxrss))
# the same with a zip whose directory claims a small size: what inflates is counted
small = path("small-limit.xlsx")
one_sheet(small, '<row r="1"><c r="A1"><v>1</v></c></row>' * 1)
expect_error(small, "limit", "is larger than the limit of 100 bytes uncompressed", "--max-part",
             "100")
expect_rows(small, [["S", "1", "A=n:1"]], "--max-part", "2000")

# the other limits, made small
f = one_sheet(path("limits.xlsx"), '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" '
              't="inlineStr"><is><t>abcdefghijk</t></is></c></row>', ["<t>0123456789</t>"] * 3)
expect_error(f, "limit", "the shared strings pass the limit of 40 bytes", "--max-strings", "40")
expect_rows(f, [["S", "1", "A=s:0123456789", "B=s:abcdefghijk"]], "--max-strings", "60")
m = expect_error(f, "limit", "sheet 'S', cell B1: a text longer than 10 characters (Excel's "
                 "limit)", "--max-cell", "10", "--max-strings", "1000")
expect_error(f, "limit", "the text of row 1 passes the limit of 10 bytes", "--max-row-text", "10")
m = expect_error(f, "limit", "ô B1: văn bản dài hơn 10 ký tự (giới hạn của Excel)", "--max-cell",
                 "10", lang="vi")
# a text over Excel's 32767 characters
long_text = "ạ" * 32768
f = one_sheet(path("long.xlsx"), '<row r="1"><c r="C1" t="inlineStr"><is><t>%s</t></is></c>'
              '</row>' % long_text)
expect_error(f, "limit", "sheet 'S', cell C1: a text longer than 32767 characters")
f = one_sheet(path("long-ok.xlsx"), '<row r="1"><c r="C1" t="inlineStr"><is><t>%s</t></is></c>'
              '</row>' % long_text[1:])
code, rows, err = dump(f)
check(code == 0 and rows[0][2] == "C=s:" + long_text[1:], "32767 characters are read: " + err)
# a tag longer than 1 MiB, nesting deeper than 64
f = one_sheet(path("token.xlsx"), '<row r="1" x="%s"/>' % ("a" * (2 << 20)))
expect_error(f, "limit", "an XML tag or piece longer than 1048576 bytes")
f = one_sheet(path("deep.xlsx"), "<a>" * 70 + "</a>" * 70)
expect_error(f, "limit", "XML elements nested more than 64 deep")
# more than 256 sheets
many = [("S%d" % i, sheet_xml("")) for i in range(257)]
expect_error(workbook(path("sheets.xlsx"), many), "limit", "the workbook has more than 256 sheets")

# cells and rows: references, order, shared strings, values
def refused_sheet(name, rows_xml, code_name, text, strings=None, lang="en"):
    return expect_error(one_sheet(path(name), rows_xml, strings), code_name, text, lang=lang)


m = refused_sheet("index.xlsx", '<row r="1"><c r="A1" t="s"><v>0</v></c></row><row r="2">'
                  '<c r="B2" t="s"><v>5</v></c></row>', "invalid",
                  "sheet 'S', cell B2: '5' is not the index of a shared string (the workbook has 1)",
                  ["<t>x</t>"])
check(m.startswith(path("index.xlsx") + " (" + SHEET1 + "):"), "the index's place: " + m)
refused_sheet("index-vi.xlsx", '<row r="1"><c r="A1" t="s"><v>1</v></c></row>', "invalid",
              "trang tính 'S', ô A1: '1' không phải số thứ tự của một chuỗi dùng chung (sổ tính "
              "có 0 chuỗi)", lang="vi")
refused_sheet("index-text.xlsx", '<row r="1"><c r="A1" t="s"><v>x</v></c></row>', "invalid",
              "'x' is not the index of a shared string", ["<t>x</t>"])
for ref in ["ZZZZ1", "A0", "A1048577", "XFE1", "a1", "1A", "A01", ""]:
    refused_sheet("ref.xlsx", '<row r="1"><c r="%s"><v>1</v></c></row>' % ref, "invalid",
                  "sheet 'S': '%s' is not a cell reference (columns A to XFD, rows 1 to 1048576)"
                  % ref)
refused_sheet("row0.xlsx", '<row r="0"/>', "invalid", "'0' is not a row number (1 to 1048576)")
refused_sheet("row-big.xlsx", '<row r="1048577"/>', "invalid", "'1048577' is not a row number")
refused_sheet("row-order.xlsx", '<row r="3"><c r="A3"><v>1</v></c></row><row r="2"/>', "invalid",
              "sheet 'S': row 2 comes after row 3: rows must be in increasing order")
refused_sheet("row-again.xlsx", '<row r="3"/><row r="3"/>', "invalid", "row 3 comes after row 3")
refused_sheet("row-past.xlsx", '<row r="1048576"/><row/>', "invalid",
              "a row without a number follows row 1048576, the last one")
refused_sheet("cell-order.xlsx", '<row r="1"><c r="C1"><v>1</v></c><c r="B1"><v>1</v></c></row>',
              "invalid", "sheet 'S': cell B1 comes after cell C1: the cells of a row must be in "
              "increasing column order")
refused_sheet("cell-order-vi.xlsx", '<row r="1"><c r="C1"/><c r="C1"/></row>', "invalid",
              "trang tính 'S': ô C1 đứng sau ô C1: các ô của một hàng phải theo thứ tự cột tăng "
              "dần", lang="vi")
refused_sheet("cell-past.xlsx", '<row r="1"><c r="XFD1"/><c><v>1</v></c></row>', "invalid",
              "a cell without a reference follows cell XFD1, in the last column (XFD)")
refused_sheet("cell-row.xlsx", '<row r="1"><c r="A2"><v>1</v></c></row>', "invalid",
              "cell A2 lies in row 1")
refused_sheet("type.xlsx", '<row r="1"><c r="A1" t="x"><v>1</v></c></row>', "invalid",
              "sheet 'S', cell A1: unknown cell type 'x'")
refused_sheet("number.xlsx", '<row r="1"><c r="A1"><v>12abc</v></c></row>', "not-number",
              "sheet 'S', cell A1: '12abc' is not a number")
refused_sheet("bool.xlsx", '<row r="1"><c r="A1" t="b"><v>2</v></c></row>', "not-boolean",
              "'2' is not a boolean (1 or 0)")
refused_sheet("control.xlsx", '<row r="1"><c r="A1" t="inlineStr"><is><t>a_x0001_b</t></is></c>'
              '</row>', "text-invalid", "sheet 'S', cell A1: the text holds the control "
              "character U+0001; remove it")
refused_sheet("control-shared.xlsx", '<row r="2"><c r="D2" t="s"><v>0</v></c></row>',
              "text-invalid", "cell D2: the text holds the control character U+0085",
              ["<t>x\u0085</t>"])
# a control character in a shared string no cell uses is no problem
expect_rows(one_sheet(path("control-unused.xlsx"), '<row r="1"><c r="A1"><v>1</v></c></row>',
                      ["<t>_x0002_</t>"]), [["S", "1", "A=n:1"]])
refused_sheet("malformed.xlsx", '<row r="1"><c r="A1"><v>1</v></row>', "syntax",
              "malformed XML: mismatched tag")
m = refused_sheet("malformed-vi.xlsx", '<row r="1"><c r="A1"><v>1</v></row>', "syntax",
                  "XML không hợp lệ: thẻ đóng không khớp thẻ mở", lang="vi")
check(":2:" in m, "expat's line: " + m)
f = workbook(path("bad-utf8.xlsx"), [("S", sheet_xml('<row r="1"><c r="A1" t="inlineStr"><is>'
                                                    '<t>X</t></is></c></row>').encode()
                                      .replace(b"<t>X", b"<t>\xff"))])
expect_error(f, "syntax", "malformed XML: not well-formed (bad UTF-8 or a control character?)")

# the workbook's own problems
expect_error(workbook(path("no-rel.xlsx"), [("S", sheet_xml(""))], rels_override=
                      '<Relationships xmlns="%s"/>' % PKG), "damaged",
             "sheet 'S' refers to the relationship 'rId1', which xl/_rels/workbook.xml.rels does "
             "not hold")
f = one_sheet(path("missing-sheet.xlsx"), "")
with zipfile.ZipFile(f) as z:
    keep = [(i.filename, z.read(i.filename)) for i in z.infolist() if i.filename != SHEET1]
with zipfile.ZipFile(f, "w") as z:
    for name, data in keep:
        z.writestr(name, data)
m = expect_error(f, "damaged", "the workbook lacks the part xl/worksheets/sheet1.xml of sheet 'S'")
check(m.startswith(f + ": error: "), "a missing part is said of the file: " + m)
f = workbook(path("missing-sst.xlsx"), [("S", sheet_xml(""))], ["<t>x</t>"])
with zipfile.ZipFile(f) as z:
    keep = [(i.filename, z.read(i.filename)) for i in z.infolist()
            if i.filename != "xl/sharedStrings.xml"]
with zipfile.ZipFile(f, "w") as z:
    for name, data in keep:
        z.writestr(name, data)
expect_error(f, "damaged", "the workbook lacks the part xl/sharedStrings.xml (its shared "
             "strings), which it declares")
expect_error(workbook(path("escape.xlsx"), [("S", sheet_xml(""))], rels_override=
                      '<Relationships xmlns="%s"><Relationship Id="rId1" Type="%s/worksheet" '
                      'Target="../../etc/passwd"/></Relationships>' % (PKG, R)), "invalid",
             "the target '../../etc/passwd' names no part inside the zip file")
expect_error(workbook(path("noname.xlsx"), [], workbook_xml='<workbook xmlns="%s" xmlns:r="%s">'
                      '<sheets><sheet r:id="rId1"/></sheets></workbook>' % (NS, R)), "invalid",
             "a sheet without a name (attribute name)")

# the zip: entries twice, a folder, encrypted, damaged, truncated
f = one_sheet(path("twice.xlsx"), "")
warnings.simplefilter("ignore")  # zipfile warns of the duplicate name: that is the point
with zipfile.ZipFile(f, "a") as z:
    z.writestr("XL/Worksheets/Sheet1.xml", sheet_xml('<row r="1"><c r="A1"><v>6</v></c></row>'))
expect_error(f, "refused", "the zip file holds the part xl/worksheets/sheet1.xml twice")
f = workbook(path("folder.xlsx"), [("S", sheet_xml(""))], rels_override=
             '<Relationships xmlns="%s"><Relationship Id="rId1" Type="%s/worksheet" '
             'Target="worksheets/dir"/></Relationships>' % (PKG, R),
             extra=[("xl/worksheets/dir/", b"")])
expect_error(f, "invalid", "xl/worksheets/dir in the zip file is a folder, not a part")
f = one_sheet(path("encrypted.xlsx"), "")
data = bytearray(open(f, "rb").read())
# set bit 0 (encrypted) of the general purpose flags of the sheet's entries (local and central)
name = SHEET1.encode()
for sig, flag_at, name_at in ((b"PK\x03\x04", 6, 30), (b"PK\x01\x02", 8, 46)):
    at = 0
    while True:
        at = data.find(sig, at)
        if at < 0:
            break
        if data[at + name_at:at + name_at + len(name)] == name:
            data[at + flag_at] |= 1
        at += 4
open(f, "wb").write(data)
expect_error(f, "unsupported", "the part xl/worksheets/sheet1.xml of the zip file is encrypted "
             "with a zip password")
f = one_sheet(path("crc.xlsx"), '<row r="1"><c r="A1"><v>1</v></c></row>',
              compression=zipfile.ZIP_STORED)
data = bytearray(open(f, "rb").read())
at = data.find(b"<v>1</v>")
data[at + 3] = ord("2")
open(f, "wb").write(data)
expect_error(f, "damaged", "the part xl/worksheets/sheet1.xml of the zip file fails its CRC check")
whole = open(op, "rb").read()
for cut in (len(whole) // 2, len(whole) - 10, 30):
    f = path("truncated.xlsx")
    open(f, "wb").write(whole[:cut])
    expect_error(f, "damaged", "the workbook is damaged or truncated (the zip file's directory "
                 "cannot be read): save it again or ask for it again")
# every cut and every damaged byte is refused or read, never a crash (the sanitizer build sees)
stride = int(os.environ.get("ICTSURVEY_TEST_STRIDE", "1")) * 97
small_book = open(one_sheet(path("sweep.xlsx"), '<row r="1"><c r="A1" t="s"><v>0</v></c></row>',
                            ["<t>x</t>"]), "rb").read()
bad_exit = []
for i in range(0, len(small_book), max(1, stride // 16)):
    for variant in (small_book[:i], small_book[:i] + bytes([small_book[i] ^ 0x55]) +
                    small_book[i + 1:]):
        f = path("sweep-case.xlsx")
        open(f, "wb").write(variant)
        code, _, err = dump(f)
        if code not in (0, 1):
            bad_exit.append((i, code, err[-300:]))
check(not bad_exit, "damaged workbooks are read or refused: %r" % bad_exit[:3])

# memory running out at each allocation of the reader (expat's included): the rows read so far
# and "out of memory", never a crash or a leak (the sanitizer build checks leaks)
f = one_sheet(path("alloc.xlsx"), '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" '
              't="inlineStr"><is><t>x</t></is></c></row><row r="2"><c r="A2"><v>1</v></c></row>',
              ["<t>shared</t>", "<r><t>a</t></r><r><t>b</t></r>"])
full = dump(f)
check(full[0] == 0, "the workbook of the allocation sweep reads: " + full[2])
bad, n = [], 0
while n < 400:
    code, rows, err = dump(f, "--fail-alloc-after", str(n))
    if code == 0:
        check(rows == full[1], "with %d allocations: all rows" % n)
        break
    if code != 1 or err.splitlines()[-1:] != ["code: no-memory"] or rows != full[1][:len(rows)]:
        bad.append((n, code, rows, err[-300:]))
    n += 1
check(not bad, "allocation failures are said: %r" % bad[:3])
check(0 < n < 400, "the sweep ends with a whole read (%d allocations)" % n)

# what the file is when it is not a workbook
f = path("data.xlsx")
open(f, "w").write("ma_truong,ten\nTH01,Trường\n")
m = expect_error(f, "wrong-kind", "not an .xlsx workbook (a zip file): the file starts with "
                 "'ma_truong,te'; if it is a CSV or text file, open it in Excel and save it as "
                 "\"Excel Workbook (*.xlsx)\"")
check(m.startswith(f + ": error: "), "the place of a CSV's refusal: " + m)
f = path("old.xlsx")
open(f, "wb").write(bytes.fromhex("D0CF11E0A1B11AE1") + bytes(504))
expect_error(f, "wrong-kind", "this is an Excel 97-2003 workbook (.xls) or a password-protected "
             "workbook, not an .xlsx workbook: open it in Excel (with its password, then remove "
             "the password) and save it as \"Excel Workbook (*.xlsx)\"")
expect_error(f, "wrong-kind", "đây là sổ tính Excel 97-2003 (.xls) hoặc sổ tính có đặt mật khẩu, "
             "không phải sổ tính .xlsx: hãy mở nó trong Excel (nếu có mật khẩu thì nhập rồi bỏ "
             "mật khẩu đi) và lưu lại với kiểu \"Excel Workbook (*.xlsx)\"", lang="vi")
f = path("hand.ods")
with zipfile.ZipFile(f, "w") as z:
    z.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
    z.writestr("content.xml", "<x/>")
expect_error(f, "wrong-kind", "this is an OpenDocument spreadsheet (.ods)")
f = path("binary.xlsb")
with zipfile.ZipFile(f, "w") as z:
    z.writestr("_rels/.rels", '<Relationships xmlns="%s"><Relationship Id="r" Type="%s/'
               'officeDocument" Target="xl/workbook.bin"/></Relationships>' % (PKG, R))
    z.writestr("xl/workbook.bin", b"\x83\x01\x00")
expect_error(f, "wrong-kind", "this is an Excel binary workbook (.xlsb), not an .xlsx workbook")
f = path("empty-zip.xlsx")
zipfile.ZipFile(f, "w").close()
expect_error(f, "wrong-kind", "not an .xlsx workbook: the zip file has no part xl/workbook.xml "
             "(a Word or PowerPoint document, or another archive?)")
f = path("docx.xlsx")
with zipfile.ZipFile(f, "w") as z:
    z.writestr("word/document.xml", "<w/>")
expect_error(f, "wrong-kind", "the zip file has no part xl/workbook.xml")
f = path("empty.xlsx")
open(f, "wb").close()
expect_error(f, "wrong-kind", "not an .xlsx workbook (the file is empty)")
expect_error(path(""), "not-regular", "this is not a regular file (a folder, a pipe or a device)")
m = expect_error(path("nothing.xlsx"), "not-found", "cannot open the workbook: ")
m = expect_error(path("nothing.xlsx"), "not-found", "không mở được sổ tính: không có tệp hay thư "
                 "mục này", lang="vi")
check(m == path("nothing.xlsx") + ": error: không mở được sổ tính: không có tệp hay thư mục này",
      "the Vietnamese message whole: " + m)

finish()
