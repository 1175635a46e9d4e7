import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase, override_settings
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from fangkong.core.models import AccessLog
from fangkong.orgs.excel import PEOPLE_COLUMNS, UNIT_COLUMNS
from fangkong.orgs.models import FamilyMember, Person, Unit
from fangkong.orgs.testing import ProvinceMixin

UNIT_TITLES = [t for t, _f in UNIT_COLUMNS]
PEOPLE_TITLES = [t for t, _f in PEOPLE_COLUMNS]


def xlsx(titles, rows, name="data.xlsx"):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(titles)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return SimpleUploadedFile(name, out.getvalue())


@override_settings(LANGUAGE_CODE="en")
class ExcelTests(ProvinceMixin, TestCase):
    def upload(self, kind, file):
        return self.client.post(reverse("orgs:import_upload", args=[kind]), {"file": file})

    def snapshot(self):
        return (
            list(Unit.objects.order_by("pk").values_list("code", "name", "path", "parent_id")),
            list(
                Person.objects.order_by("pk").values_list("employee_no", "name", "unit_id", "phone")
            ),
            FamilyMember.objects.count(),
        )

    def test_templates_download(self):
        self.login(self.t.bob)
        for kind, titles in (("units", UNIT_TITLES), ("people", PEOPLE_TITLES)):
            response = self.client.get(reverse("orgs:template_download", args=[kind]))
            sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
            self.assertEqual([c.value for c in sheet[1]], titles)

    def test_units_import_creates_updates_and_moves(self):
        self.login(self.t.alice)
        file = xlsx(
            UNIT_TITLES,
            [
                ["a-new", "新子公司", "group-a", "子公司", "", "是", "", "2020-01-25", "", "否", 3],
                ["a-new-site", "新热力站", "a-new", "场所", "热力站", "否", "", "", "", "否", ""],
                ["a-site-2", "改名的二站", "a-new", "site", "office", "否", "", "", "", "否", ""],
            ],
        )
        response = self.upload("units", file)
        result = response.context["result"]
        self.assertTrue(result.ok, result.errors)
        self.assertEqual((result.created, result.updated), (2, 1))
        site2 = Unit.objects.get(code="a-site-2")
        self.assertEqual(site2.name, "改名的二站")
        self.assertEqual(site2.parent.code, "a-new")
        self.assertTrue(site2.path.startswith(Unit.objects.get(code="a-new").path))
        self.assertEqual(Person.objects.get(pk=self.t.p_site_2.pk).unit_path, site2.path)
        self.assertEqual(Unit.objects.get(code="a-new-site").site_kind, "heat_station")

    def test_bad_units_file_reports_every_row_and_changes_nothing(self):
        self.login(self.t.alice)
        before = self.snapshot()
        file = xlsx(
            UNIT_TITLES,
            [
                ["ok-unit", "好的", "a-sub", "部门", "", "否", "", "", "", "否", ""],  # row 2: fine
                ["x1", "未知上级", "no-such", "部门", "", "否", "", "", "", "否", ""],  # row 3
                ["ok-unit", "重复", "a-sub", "部门", "", "否", "", "", "", "否", ""],  # row 4
                ["a-sub", "成环", "a-site-1", "子公司", "", "否", "", "", "", "否", ""],  # row 5
                ["x2", "", "a-sub", "星球", "", "也许", "Mars/Base", "", "", "否", ""],  # row 6
                ["b-sub", "别人的", "a-sub", "部门", "", "否", "", "", "", "否", ""],  # row 7
                ["bad code!", "坏编码", "a-sub", "部门", "", "否", "", "", "", "否", ""],  # row 8
            ],
        )
        response = self.upload("units", file)
        result = response.context["result"]
        rows = {e.row for e in result.errors}
        self.assertEqual(rows, {3, 4, 5, 6, 7, 8})
        columns = {(e.row, e.column) for e in result.errors}
        self.assertIn((3, "上级编码"), columns)
        self.assertIn((5, "上级编码"), columns)
        self.assertIn((6, "名称"), columns)
        self.assertIn((6, "类型"), columns)
        self.assertIn((6, "重点单位"), columns)
        self.assertIn((6, "时区"), columns)
        self.assertContains(response, "nothing was imported")
        self.assertEqual(self.snapshot(), before)

    def test_cycle_inside_the_file_is_refused(self):
        self.login(self.t.alice)
        before = self.snapshot()
        file = xlsx(
            UNIT_TITLES,
            [
                ["c1", "甲", "c2", "部门", "", "否", "", "", "", "否", ""],
                ["c2", "乙", "c1", "部门", "", "否", "", "", "", "否", ""],
            ],
        )
        result = self.upload("units", file).context["result"]
        self.assertFalse(result.ok)
        self.assertTrue(any("cycle" in e.message for e in result.errors))
        self.assertEqual([e.row for e in result.errors], sorted(e.row for e in result.errors))
        self.assertEqual(self.snapshot(), before)

    def test_people_import_and_reimport_of_export(self):
        self.login(self.t.alice)
        file = xlsx(
            PEOPLE_TITLES,
            [
                [
                    "a-site-1",
                    "A200",
                    "新员工",
                    "女",
                    "13800000200",
                    "11010519491231002X",
                    "是",
                    "运行工",
                    "张三/配偶/13900000001；张小三/子女",
                ],
                ["a-hq", "A001", "改名", "男", "", "", "否", "部长", ""],
            ],
        )
        result = self.upload("people", file).context["result"]
        self.assertTrue(result.ok, result.errors)
        self.assertEqual((result.created, result.updated), (1, 1))
        person = Person.objects.get(employee_no="A200")
        self.assertEqual(person.id_number_masked, "1101**********002X")
        self.assertEqual(person.family_members.count(), 2)
        self.assertEqual(Person.objects.get(pk=self.t.p_hq.pk).name, "改名")

        exported = self.client.get(
            reverse("orgs:export_download", args=["people"]) + "?unit=group-a"
        )
        workbook = load_workbook(io.BytesIO(exported.content))
        self.assertIn("alice", workbook.worksheets[1]["A1"].value)  # the watermark sheet
        self.assertNotIn("11010519491231002X", str(list(workbook.worksheets[0].values)))
        self.assertTrue(AccessLog.objects.filter(action="export", object_type="people").exists())
        before = self.snapshot()
        again = self.upload("people", SimpleUploadedFile("again.xlsx", exported.content))
        self.assertTrue(again.context["result"].ok, again.context["result"].errors)
        self.assertEqual(self.snapshot(), before)
        self.assertEqual(
            Person.objects.get(employee_no="A200").id_number_masked, "1101**********002X"
        )

    def test_bad_people_file_reports_every_row_and_changes_nothing(self):
        self.login(self.t.alice)
        before = self.snapshot()
        file = xlsx(
            PEOPLE_TITLES,
            [
                ["a-hq", "N1", "好人", "男", "13800000001", "", "否", "", ""],  # row 2: fine
                ["no-such", "N2", "未知单位", "", "", "", "否", "", ""],  # row 3
                ["a-hq", "N1", "重复工号", "", "", "", "否", "", ""],  # row 4
                ["a-hq", "N3", "坏电话", "", "12345", "", "否", "", ""],  # row 5
                ["a-hq", "N4", "坏身份证", "", "", "110105194912310021", "否", "", ""],  # row 6
                ["b-sub", "N5", "别组", "", "", "", "否", "", ""],  # row 7
                ["a-hq", "", "", "其他", "", "", "也许", "", "无关系"],  # row 8
            ],
        )
        response = self.upload("people", file)
        result = response.context["result"]
        self.assertEqual({e.row for e in result.errors}, {3, 4, 5, 6, 7, 8})
        self.assertIn((5, "手机"), {(e.row, e.column) for e in result.errors})
        self.assertIn((6, "身份证号"), {(e.row, e.column) for e in result.errors})
        self.assertEqual(self.snapshot(), before)

    def test_not_excel_and_missing_columns(self):
        self.login(self.t.alice)
        result = self.upload("people", SimpleUploadedFile("x.xlsx", b"not a spreadsheet")).context[
            "result"
        ]
        self.assertEqual(result.errors[0].message, "This is not an Excel file (.xlsx).")
        result = self.upload("units", xlsx(["编码", "名称"], [["a", "b"]])).context["result"]
        self.assertIn("上级编码", result.errors[0].message)
        result = self.upload("units", xlsx(UNIT_TITLES, [])).context["result"]
        self.assertFalse(result.ok)

    def test_outsider_cannot_import_into_other_group(self):
        self.login(self.t.charlie)
        file = xlsx(PEOPLE_TITLES, [["a-hq", "Z1", "入侵者", "", "", "", "否", "", ""]])
        result = self.upload("people", file).context["result"]
        self.assertEqual(result.errors[0].message, "Unknown unit code: a-hq")
        self.assertFalse(Person.objects.filter(employee_no="Z1").exists())


@override_settings(LANGUAGE_CODE="en")
class FirstInstallTests(TestCase):
    """A fresh install has no unit: the superuser starts the tree from Excel or the UI."""

    @classmethod
    def setUpTestData(cls):
        from fangkong.orgs.testing import make_user

        cls.root = make_user("root", superuser=True)
        cls.alice = make_user("alice")

    def test_superuser_imports_a_whole_tree(self):
        self.client.force_login(self.root)
        file = xlsx(
            UNIT_TITLES,
            [
                ["child", "子公司", "top", "子公司", "", "否", "", "", "", "否", ""],
                ["top", "某集团", "", "集团", "", "否", "", "", "", "否", ""],
            ],
        )
        result = self.client.post(
            reverse("orgs:import_upload", args=["units"]), {"file": file}
        ).context["result"]
        self.assertTrue(result.ok, result.errors)
        self.assertEqual(Unit.objects.get(code="child").parent, Unit.objects.get(code="top"))
        self.assertIsNone(Unit.objects.get(code="top").parent)

    def test_others_cannot_start_a_tree(self):
        self.client.force_login(self.alice)
        file = xlsx(UNIT_TITLES, [["top", "某集团", "", "集团", "", "否", "", "", "", "否", ""]])
        result = self.client.post(
            reverse("orgs:import_upload", args=["units"]), {"file": file}
        ).context["result"]
        self.assertEqual([(e.row, e.column) for e in result.errors], [(2, "上级编码")])
        self.assertEqual(self.client.get(reverse("orgs:unit_add_root")).status_code, 404)

    def test_superuser_adds_a_top_level_unit_in_the_ui(self):
        self.client.force_login(self.root)
        self.assertContains(
            self.client.get(reverse("orgs:unit_tree")), reverse("orgs:unit_add_root")
        )
        response = self.client.post(
            reverse("orgs:unit_add_root"),
            {"code": "P", "name": "省国资委", "kind": "sasac", "timezone": "Asia/Shanghai"},
        )
        self.assertRedirects(response, reverse("orgs:unit_detail", args=["P"]))

    def test_oversized_upload_is_refused(self):
        self.client.force_login(self.root)
        with self.settings(IMPORT_MAX_BYTES=100):
            response = self.client.post(
                reverse("orgs:import_upload", args=["units"]), {"file": xlsx(UNIT_TITLES, [])}
            )
        [error] = response.context["result"].errors
        self.assertIn("larger than 100", error.message)
        self.assertContains(response, "larger than")
