#!/usr/bin/env python3
"""test_template.py ICTSURVEY - the data-entry template (`collect template`, `template --kit`).
For every shipped form in both languages the workbook is read with openpyxl and checked against
the form's definition, read here with PyYAML (not through the program): the sheets and their
order, rows 1 and 2, the frozen panes, a data validation of the right kind on every column
(dropdowns of the choice lists' labels, Yes/No, whole numbers within the constraint's bounds,
bounds read from another column), input messages that are the hints cut to Excel's 255
characters, the code lists behind every dropdown equal to the form's choices or the register's,
the dependent agency dropdown's formula and its table (worked out from the register and the
filter's rule), and the example record, imported by `collect fill`. LibreOffice opens the
workbook and evaluates the dependent dropdown's formula. Then the refusals, the store left
byte-identical, a tampered kit, and byte-identical output of two runs. Run with
/usr/bin/python3 (python3-openpyxl, python3-yaml); without LibreOffice that part prints SKIP."""
import csv
import datetime
import os
import shutil
import subprocess

import openpyxl
import yaml

from support import DEFS, check, finish, new_store, path, run

FORMS = ["school", "staff", "training_centre"]
ROWS = 2000
SHEETS = {"vi": ["Hướng dẫn", "Ví dụ", "Danh mục", "ictsurvey"],
          "en": ["Instructions", "Example", "Code lists", "ictsurvey"]}
YES_NO = {"vi": '"Có,Không"', "en": '"Yes,No"'}
examples = []
UNITS = yaml.safe_load(open(os.path.join(DEFS, "units.yaml"), encoding="utf-8"))


def text(t, lang):
    return t if isinstance(t, str) else (t or {}).get(lang, "")


def fields_of(definition):
    """The answered fields in form order (groups flattened, notes and calculations left out)."""
    out = []

    def walk(items):
        for item in items:
            if "group" in item:
                walk(item["fields"])
            elif item["type"] not in ("note", "calculate"):
                out.append(item)
    walk(definition["fields"])
    return out


def choices_of(definition, field, lang):
    """(code, label) of a select field's list, in order."""
    c = field["choices"]
    if isinstance(c, dict) and "register" in c:
        return [(str(i["code"]), text(i["name"], lang)) for i in UNITS[c["register"]]]
    items = definition["choices"][c] if isinstance(c, str) else c
    return [(str(i["code"]), text(i["label"], lang)) for i in items]


def letter(i):
    s = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        s = chr(65 + r) + s
    return s


def flat(s):
    return " ".join(s.split())


def cells(wb, ref):
    """The values of a defined name's range ('Sheet'!$B$4:$B$9)."""
    sheet, rng = ref.rsplit("!", 1)
    ws = wb[sheet.strip("'")]
    return [row[0].value for row in ws[rng.replace("$", "")]]


def check_workbook(out, form, lang):
    definition = yaml.safe_load(open(os.path.join(DEFS, form + ".yaml"), encoding="utf-8"))
    fields = fields_of(definition)
    wb = openpyxl.load_workbook(out)
    what = "%s (%s)" % (form, lang)
    check(wb.sheetnames[1:] == SHEETS[lang], "%s: the sheets in order: %s" % (what, wb.sheetnames))
    check([ws.sheet_state for ws in wb] == ["visible"] * 4 + ["hidden"], what + ": only the metadata is hidden")
    ws = wb.worksheets[0]
    title = text(definition["title"], lang)
    check(len(ws.title) <= 31 and title.startswith(ws.title) and not any(ch in ws.title for ch in "[]:*?/\\"),
          "%s: the data sheet is named after the title: %r" % (what, ws.title))
    labels = [c.value for c in ws[1]]
    names = [c.value for c in ws[2]]
    check(names == [f["name"] for f in fields], "%s: row 2 holds the field names: %s" % (what, names))
    check(labels == [text(f["label"], lang) + (" *" if f.get("required") else "") for f in fields],
          "%s: row 1 the labels, required ones marked: %s" % (what, labels))
    check(ws.max_row == 2, "%s: no record on the data sheet (%d rows)" % (what, ws.max_row))
    check(ws.freeze_panes == "B3", "%s: frozen above row 3 and right of column A: %s" % (what, ws.freeze_panes))
    dvs = {str(dv.sqref): dv for dv in ws.data_validations.dataValidation}
    names_of = {n.name: n.attr_text for n in wb.defined_names.definedName}
    for i, f in enumerate(fields):
        col = letter(i)
        dv = dvs.get("%s3:%s%d" % (col, col, ROWS + 2))
        if not check(dv is not None, "%s: a validation on %s over rows 3-%d (%s)" % (what, f["name"], ROWS + 2, list(dvs))):
            continue
        hint = flat(text(f.get("hint"), lang))
        prompt = dv.prompt or ""
        check(len(prompt) <= 255 and len(dv.promptTitle or "") <= 32, "%s: %s: Excel's limits" % (what, f["name"]))
        check(hint[:80] in prompt, "%s: %s: the hint is the input message: %r" % (what, f["name"], prompt))
        check(text(f["label"], lang).startswith((dv.promptTitle or "-").rstrip("…")),
              "%s: %s: the label is its title" % (what, f["name"]))
        if f.get("relevant"):
            check(prompt.startswith("Chỉ trả lời khi" if lang == "vi" else "Answer only when"),
                  "%s: %s: the message says it does not always apply" % (what, f["name"]))
        t, constraint = f["type"], f.get("constraint", "")
        if t == "select_one":
            check(dv.type == "list" and dv.errorStyle == "warning", "%s: %s: a list, with a warning" % (what, f["name"]))
            formula = dv.formula1
            if f.get("choice_filter"):
                key = '$E3&"|"&$F3'
                check(formula == 'IF(COUNTIF(dep_agency_keys,%s)=0,list_agencies,OFFSET(dep_agency_labels,'
                                 'MATCH(%s,dep_agency_keys,0)-1,0,COUNTIF(dep_agency_keys,%s),1))' % (key, key, key),
                      "%s: the dependent agency dropdown: %s" % (what, formula))
                formula = "list_agencies"
            if check(formula in names_of, "%s: %s: its list is a defined name: %s" % (what, f["name"], formula)):
                ref = names_of[formula]
                expected = choices_of(definition, f, lang)
                check(cells(wb, ref) == [l for _, l in expected], "%s: %s: the dropdown shows the labels" % (what, f["name"]))
                codes = cells(wb, ref.replace("$B$", "$A$"))
                check(codes == [c for c, _ in expected], "%s: %s: beside them the codes" % (what, f["name"]))
        elif t == "boolean":
            check(dv.type == "list" and dv.formula1 == YES_NO[lang], "%s: %s: Yes/No: %s" % (what, f["name"], dv.formula1))
        elif t == "integer":
            check(dv.type in ("whole", "custom"), "%s: %s: whole numbers" % (what, f["name"]))
            if constraint == ". >= 1940 and . <= 2010":
                check((dv.formula1, dv.formula2, dv.errorStyle) == ("1940", "2010", None),
                      "%s: %s: the constraint's range, a stop: %s %s" % (what, f["name"], dv.formula1, dv.formula2))
            elif constraint == ". >= 0":
                check(dv.formula1 == "0" and dv.errorStyle is None, "%s: %s: at least 0" % (what, f["name"]))
            elif constraint.startswith(". >= 0 and . <= ${"):
                other = constraint.split("${")[1].rstrip("}")
                ref = "$%s3" % letter([g["name"] for g in fields].index(other))
                me = "%s3" % col
                rule = 'AND(ISNUMBER(%s),INT(%s)=%s,%s>=0,OR(%s="",%s<=%s))' % (me, me, me, me, ref, me, ref)
                check((dv.type, dv.formula1, dv.errorStyle) == ("custom", rule, "warning"),
                      "%s: %s: at most column %s, a warning: %s" % (what, f["name"], ref, dv.formula1))
            else:
                check(False, "%s: %s: a constraint this test does not know: %s" % (what, f["name"], constraint))
        elif t == "select_multiple":
            check(dv.type is None and ("comma" in prompt or "dấu phẩy" in prompt),
                  "%s: %s: typed codes, the message says how" % (what, f["name"]))
    # the dependent agency dropdown's table, from the register and the filter's rule
    if form == "staff":
        district = [(str(d["code"]), text(d["name"], lang)) for d in UNITS["districts"]]
        workplace = choices_of(definition, [f for f in fields if f["name"] == "workplace_type"][0], lang)
        expected = []
        for dc, dl in district:
            for wc, wl in workplace:
                for a in UNITS["agencies"]:
                    if a["type"] == wc and (wc == "dept" or str(a["district"]) == dc):
                        expected.append((dl + "|" + wl, text(a["name"], lang)))
        got = list(zip(cells(wb, names_of["dep_agency_keys"]), cells(wb, names_of["dep_agency_labels"])))
        check(got == expected and len(expected) == 15 * 18 + 15,
              "%s: the agency table: %d rows, expected %d" % (what, len(got), len(expected)))
    meta = dict((r[0], r[1]) for r in wb["ictsurvey"].iter_rows(values_only=True))
    check(meta.get("form") == form and meta.get("form_version") == definition["version"] and meta.get("round") == "2013"
          and meta.get("lang") == lang and meta.get("rows") == str(ROWS),
          "%s: what it was made for: %s" % (what, meta))
    props = {p.name: p.value for p in wb.custom_doc_props.props} if hasattr(wb, "custom_doc_props") else None
    if props is not None:
        check(props.get("ictsurvey.form") == form and props.get("ictsurvey.form_version") == definition["version"],
              "%s: the custom properties: %s" % (what, props))
    # the example: the same header rows over one record, which imports
    ex = wb[SHEETS[lang][1]]
    check([c.value for c in ex[2]] == names, what + ": the example has the field names in row 2")
    row = [c.value for c in ex[3]]
    for i, f in enumerate(fields):
        if f.get("required") and not f.get("relevant"):
            check(row[i] not in (None, ""), "%s: the example answers %s" % (what, f["name"]))
    # as codes: the CSV reader of `collect fill` takes codes (the .xlsx reader takes labels too)
    values = []
    for f, v in zip(fields, row):
        if f["type"] == "select_one" and v is not None:
            v = dict((l, c) for c, l in choices_of(definition, f, lang))[v]
        elif f["type"] == "boolean" and v is not None:
            v = "yes" if v == ("Có" if lang == "vi" else "Yes") else "no"
        elif isinstance(v, datetime.datetime):
            v = v.strftime("%Y-%m-%d")
        values.append("" if v is None else str(v).replace(",", ""))
    examples.append(1)
    answers = path("example-%d.csv" % len(examples))
    with open(answers, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(names)
        w.writerow(values)
    store = new_store("example-%d.db" % len(examples), "Tân An", "Nguyễn Văn An")
    r = run("collect", "fill", "--store", store, form, "--answers", answers)
    check(r.returncode == 0 and len(r.stdout.split()) == 1, "%s: the example imports: %s" % (what, r.stderr))
    return wb


# ---- every shipped form, both languages ---------------------------------------------------------------
store = new_store("school.db", "Trường THCS Bến Lức", "Trần Thị Bình")
before = open(store, "rb").read()
for form in FORMS:
    for lang in ("vi", "en"):
        out = path("%s-%s.xlsx" % (form, lang))
        r = run("collect", "template", "--store", store, form, "-o", out, lang=lang)
        if check(r.returncode == 0, "collect template %s --lang %s: %s" % (form, lang, r.stderr)):
            check(("Wrote the data-entry template" if lang == "en" else "Đã ghi mẫu nhập liệu") in r.stderr,
                  "it says what it wrote: " + r.stderr)
            check_workbook(out, form, lang)
            again = path("%s-%s-again.xlsx" % (form, lang))
            run("collect", "template", "--store", store, form, "-o", again, lang=lang)
            check(open(out, "rb").read() == open(again, "rb").read(), "%s %s: two runs, the same bytes" % (form, lang))
check(open(store, "rb").read() == before, "the store is byte-identical after collect template")
check(not [n for n in os.listdir(os.path.dirname(store)) if ".tmp-" in n], "no temporary file left")

# ---- LibreOffice opens it, and evaluates the dependent dropdown's formula ---------------------------------
soffice = shutil.which("soffice")
if not soffice:
    print("SKIP: LibreOffice (soffice) is not installed")
else:
    wb = openpyxl.load_workbook(path("staff-vi.xlsx"))
    ws = wb.worksheets[0]
    formula = [dv for dv in ws.data_validations.dataValidation if str(dv.sqref).startswith("G3")][0].formula1
    tests = [("Huyện Bến Lức", "UBND huyện, thị xã, thành phố (cấp huyện)", 1, "UBND Huyện Bến Lức"),
             ("Thành phố Tân An", "Sở, ban, ngành cấp tỉnh", 18, "Văn phòng UBND tỉnh"),
             (None, None, 33, "Văn phòng UBND tỉnh"),          # nothing chosen yet: the whole list
             ("Huyện Đức Hòa", "Trường phổ thông (Tiểu học, THCS, THPT)", 33, "Văn phòng UBND tỉnh")]
    for i, (d, w, _, _) in enumerate(tests):
        r = 3 + i
        ws["E%d" % r], ws["F%d" % r] = d, w
        f = formula.replace("$E3", "$E%d" % r).replace("$F3", "$F%d" % r)
        ws["Y%d" % r] = "=ROWS(%s)" % f
        ws["Z%d" % r] = "=INDEX(%s,1)" % f
    probe = path("probe.xlsx")
    wb.save(probe)
    profile = "file://" + path("lo-profile")
    for src in (path("staff-vi.xlsx"), probe):
        conv = subprocess.run([soffice, "-env:UserInstallation=" + profile, "--headless", "--convert-to",
                               "csv:Text - txt - csv (StarCalc):44,34,76", "--outdir", path("lo"), src],
                              capture_output=True, text=True, timeout=300)
        name = os.path.join(path("lo"), os.path.basename(src)[:-5] + ".csv")
        check(conv.returncode == 0 and os.path.exists(name), "LibreOffice converts %s: %s" % (src, conv.stderr))
    rows = list(csv.reader(open(os.path.join(path("lo"), "staff-vi.csv"), encoding="utf-8")))
    check(rows[1][:20] == [c.value for c in openpyxl.load_workbook(path("staff-vi.xlsx")).worksheets[0][2]],
          "LibreOffice reads the field names in row 2: %s" % rows[1:2])
    rows = list(csv.reader(open(os.path.join(path("lo"), "probe.csv"), encoding="utf-8")))
    for i, (d, w, count, first) in enumerate(tests):
        got = (rows[2 + i][24], rows[2 + i][25])
        check(got == (str(count), first), "LibreOffice: the agencies offered for %s / %s: %s" % (d, w, got))

# ---- the refusals ---------------------------------------------------------------------------------------
r = run("collect", "template", "--store", store, "staf", "-o", path("x.xlsx"))
check(r.returncode == 1 and r.stderr == "ictsurvey: the store '%s' has no form 'staf' (it has: school, staff, "
      "training_centre)\n" % store, "an unknown form names the forms: " + r.stderr)
r = run("collect", "template", "--store", store, "staf", "-o", path("x.xlsx"), lang="vi")
check(r.returncode == 1 and r.stderr == "ictsurvey: kho '%s' không có biểu mẫu 'staf' (có: school, staff, "
      "training_centre)\n" % store, "in Vietnamese: " + r.stderr)
r = run("collect", "template", "--store", store, "staff")
check(r.returncode == 2 and r.stderr == "ictsurvey: -o FILE.xlsx is required\n", "-o is required: " + r.stderr)
r = run("collect", "template", "--store", store, "-o", path("x.xlsx"))
check(r.returncode == 2 and "give exactly one FORM" in r.stderr, "FORM is required: " + r.stderr)
r = run("collect", "template", "--store", store, "staff", "-o", store)
check(r.returncode == 1 and "is also an input of this command" in r.stderr, "-o onto the store: " + r.stderr)
notes = path("notes.txt")
with open(notes, "w", encoding="utf-8") as fh:
    fh.write("ghi chú\n")
r = run("collect", "template", "--store", store, "staff", "-o", notes)
check(r.returncode == 1 and "exists and is" in r.stderr and open(notes, encoding="utf-8").read() == "ghi chú\n",
      "an existing file of another kind is not overwritten: " + r.stderr)
other = new_store("other.db", "X", "Y")
other_bytes = open(other, "rb").read()
r = run("collect", "template", "--store", store, "staff", "-o", other)
check(r.returncode == 1 and open(other, "rb").read() == other_bytes, "nor another store: " + r.stderr)
r = run("collect", "template", "--store", store, "staff", "-o", path("staff-vi.xlsx"), lang="vi")
check(r.returncode == 0, "an existing workbook is replaced: " + r.stderr)
r = run("collect", "template", "--store", path("missing.db"), "staff", "-o", path("y.xlsx"))
check(r.returncode == 1 and "no store" in r.stderr.lower() and not os.path.exists(path("missing.db"))
      and not os.path.exists(path("y.xlsx")), "a store that does not exist: " + r.stderr)
check(open(store, "rb").read() == before, "the store is still byte-identical")
r = run("collect", "template", "--help")
check(r.returncode == 0 and "template --store STORE FORM -o FILE.xlsx" in r.stdout and "staff" in r.stdout,
      "collect template --help, with the forms: " + r.stdout)
r = run("collect", "template", "--help", lang="vi")
check(r.returncode == 0 and "template --store KHO BIỂU_MẪU -o TỆP.xlsx" in r.stdout, "in Vietnamese: " + r.stdout)

# ---- template --kit: the office's templates, from its signed kit -------------------------------------------
keys = path("keys")
check(run("keys", "init", "--dir", keys).returncode == 0, "keys init")
kit = path("province.kit")
r = run("kit", "--db", path("central.db"), "--key", os.path.join(keys, "central.key"), "--round", "2013", "-o", kit)
check(r.returncode == 0, "kit: " + r.stderr)
out = path("kit-staff.xlsx")
r = run("template", "--kit", kit, "staff", "-o", out)
if check(r.returncode == 0 and "signature valid" in r.stderr and "Office fingerprint" in r.stderr,
         "template --kit: " + r.stderr):
    check_workbook(out, "staff", "en")
    wb = openpyxl.load_workbook(out)
    check(wb["ictsurvey"]["B8"].value.startswith("kit 1 "), "the kit is named as the origin")
tampered = path("tampered.kit")
data = bytearray(open(kit, "rb").read())
data[len(data) // 2] ^= 0x01
open(tampered, "wb").write(bytes(data))
r = run("template", "--kit", tampered, "staff", "-o", path("t.xlsx"))
check(r.returncode == 1 and r.stderr.startswith("ictsurvey: %s: " % tampered) and not os.path.exists(path("t.xlsx")),
      "a tampered kit is refused: " + r.stderr)
r = run("template", "--kit", kit, "staf", "-o", path("t.xlsx"))
check(r.returncode == 1 and "the kit '%s' has no form 'staf' (it has: school, staff, training_centre)" % kit in r.stderr,
      "template --kit, an unknown form: " + r.stderr)
r = run("template", "--kit", kit, "staff", "-o", kit)
check(r.returncode == 1 and "is also an input" in r.stderr, "-o onto the kit: " + r.stderr)
r = run("template", "--kit", kit, "staff")
check(r.returncode == 2, "template without -o: " + r.stderr)
r = run("template", "--help")
check(r.returncode == 0 and r.stdout.startswith("Usage: ictsurvey template --kit FILE.kit FORM"), "template --help")
r = run("template", "--help", lang="vi")
check(r.returncode == 0 and r.stdout.startswith("Cách dùng: ictsurvey template --kit TỆP.kit BIỂU_MẪU"),
      "template --help in Vietnamese")
finish()
