"""What the instructor hands out: one file per student, in the student's language, and one sheet for the class.

A student's handout holds their one-time password, so it is made once, readable by the instructor only: created
with O_EXCL (never over an existing file) and mode 0600, in a directory of mode 0700. It says where to sign in, who
they are, their lab's names, when it ends, and the guide's commands for their lab, runnable from AWS CloudShell once
the student kit is installed (kit.py). The class sheet holds no secret: it is rewritten on every `make class-up`.

A student of a class across accounts (a StackSet's lab, alone in their own account: labctl/classroom/stackset.py) gets
the same handout without the kit (`own_account`): the kit's commands find a lab by its stack's name, and StackSets
names a lab's stack; the AWS CLI's commands and the console stay.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from lab_stack.roster import Student
from labctl.classroom.logins import AccessKey
from labctl.i18n import _

HANDOUT_MODE, DIRECTORY_MODE = 0o600, 0o700
CLASS_SHEET = "class-sheet.md"
# How each language's handout names the password (its line: `- <label>: `<password>` ...`).
PASSWORD_LABELS = {"en": "One-time password", "es": "Contraseña de un solo uso"}


class HandoutExists(Exception):
    """The student's handout is already there (it holds the password made with it): one line for the user."""


@dataclass(frozen=True)
class Lab:
    """A student's lab as their handout names it (from its stack's outputs)."""

    stack: str
    bucket: str
    stream: str
    table: str
    workgroup: str
    instance: str
    dashboard_url: str


@dataclass(frozen=True)
class Handout:
    student: Student
    user_name: str
    password: str
    sign_in_url: str
    region: str
    lab: Lab
    ends_at: datetime
    kit_url: str  # s3:// of the student kit
    own_account: bool = False  # a class across accounts: the student's account holds their lab only, and no kit
    access_key: AccessKey | None = None  # make class-up ACCESS_KEYS=yes

    def text(self) -> str:
        language = self.student.language
        kit = "" if self.own_account else _KIT[language].format(kit=self.kit_url)
        text = (_SPANISH if language == "es" else _ENGLISH).format(
            name=self.student.display_name,
            user=self.user_name,
            password=self.password,
            password_label=PASSWORD_LABELS[language],
            url=self.sign_in_url,
            region=self.region,
            ends=self.ends_at.strftime("%Y-%m-%d %H:%M UTC"),
            sharing=_OWN_ACCOUNT[language] if self.own_account else _SHARED_ACCOUNT[language],
            kit_steps=kit.split(_COMMANDS_FOLLOW)[0] if kit else ":",
            kit_commands=kit.split(_COMMANDS_FOLLOW)[1] if kit else "",
            **vars(self.lab),
        )
        if self.access_key is None:
            return text
        return text + _ACCESS_KEYS[self.student.language].format(
            key_id=self.access_key.key_id, secret=self.access_key.secret, region=self.region
        )


def access_key_of(text: str) -> AccessKey | None:
    """The access key a handout holds, if any (for the checks that it appears nowhere else)."""
    found = dict(
        line.removeprefix("export ").split("=", 1)
        for line in text.splitlines()
        if line.startswith(("export AWS_ACCESS_KEY_ID=", "export AWS_SECRET_ACCESS_KEY="))
    )
    if not found:
        return None
    return AccessKey(found["AWS_ACCESS_KEY_ID"], found["AWS_SECRET_ACCESS_KEY"])


def password_of(text: str) -> str | None:
    """The password a handout holds (for the checks that it appears nowhere else)."""
    for line in text.splitlines():
        if any(line.startswith(f"- {label}: `") for label in PASSWORD_LABELS.values()):
            return line.split("`")[1]
    return None


def handout_path(directory: Path, student_id: str) -> Path:
    return directory / f"{student_id}.md"


def forget(directory: Path, student_id: str) -> bool:
    """Remove a removed student's handout (its password is void); whether there was one."""
    path = handout_path(directory, student_id)
    if not path.exists():
        return False
    path.unlink()
    return True


def prepare_directory(directory: Path) -> None:
    """The handouts' directory, the instructor's only (made 0700; an existing one is narrowed to it)."""
    directory.mkdir(mode=DIRECTORY_MODE, parents=True, exist_ok=True)
    directory.chmod(DIRECTORY_MODE)


def write_once(path: Path, text: Callable[[], str | None]) -> bool:
    """Create the file (O_EXCL: never over an existing one; 0600) before `text()` makes what goes in it, so a password
    is made only once it has a home; if `text()` gives None or fails, the empty file goes again (nothing half-made).
    HandoutExists when the file is there already."""
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, HANDOUT_MODE)
    except FileExistsError:
        raise HandoutExists(_("{path} exists: its student has their password already").format(path=path)) from None
    with os.fdopen(descriptor, "w", encoding="utf-8") as out:
        os.fchmod(out.fileno(), HANDOUT_MODE)
        try:
            content = text()
        except BaseException:
            path.unlink()
            raise
        if content is None:
            path.unlink()
            return False
        out.write(content)
    return True


def write_class_sheet(directory: Path, lines: list[str]) -> Path:
    """The class's sheet (no secret), replaced whole: written beside, then renamed over the old one."""
    path = directory / CLASS_SHEET
    partial = directory / f".{CLASS_SHEET}.partial"
    partial.write_text("\n".join(lines) + "\n", encoding="utf-8")
    partial.replace(path)
    return path


def class_sheet(
    class_name: str, *, sign_in_url: str, region: str, ends_at: datetime, rows: list[tuple[Student, str, str]]
) -> list[str]:
    """rows: (student, user name, what their lab is: a stack status or a problem)."""
    lines = [
        _("# firehose-lab class {name}").format(name=class_name),
        "",
        _("- sign-in: {url} (region {region})").format(url=sign_in_url, region=region),
        _("- the labs end, and the students' access with them: {end}").format(end=f"{ends_at:%Y-%m-%d %H:%M UTC}"),
        _("- passwords: each student's handout only (this sheet holds none)"),
        "",
        _("| student | name | language | IAM user | lab |"),
        "|---|---|---|---|---|",
    ]
    lines += [f"| {s.student_id} | {s.display_name} | {s.language} | {user} | {lab} |" for s, user, lab in rows]
    return lines


_ENGLISH = """# firehose-lab: your lab, {name}

## Sign in
- Console: {url}
- User name: `{user}`
- {password_label}: `{password}` (you choose your own at the first sign-in)
- Region: `{region}` (choose it at the top right of the console)

Your lab and your access end at {ends}: everything is deleted then.

## Your lab
| what | name |
|---|---|
| stack | `{stack}` |
| bucket | `{bucket}` |
| Firehose stream | `{stream}` |
| Glue table | `{table}` |
| Athena workgroup | `{workgroup}` |
| instance | `{instance}` |
| dashboard | {dashboard_url} |

{sharing}

## The guide's commands, from AWS CloudShell
Open CloudShell (the `>_` icon at the top of the console){kit_steps}

```bash
{kit_commands}aws firehose describe-delivery-stream --delivery-stream-name {stream} \\
  --query "DeliveryStreamDescription.Destinations[0].ExtendedS3DestinationDescription.BufferingHints"
aws s3 ls s3://{bucket}/data/ --recursive
aws ssm start-session --target {instance}
aws ec2 stop-instances --instance-ids {instance}
aws ec2 start-instances --instance-ids {instance}
```
"""

_SPANISH = """# firehose-lab: tu laboratorio, {name}

## Inicio de sesión
- Consola: {url}
- Nombre de usuario: `{user}`
- {password_label}: `{password}` (eliges la tuya al iniciar sesión por primera vez)
- Región: `{region}` (elígela arriba a la derecha en la consola)

Tu laboratorio y tu acceso terminan el {ends}: entonces se borra todo.

## Tu laboratorio
| qué | nombre |
|---|---|
| stack | `{stack}` |
| bucket | `{bucket}` |
| stream de Firehose | `{stream}` |
| tabla de Glue | `{table}` |
| grupo de trabajo de Athena | `{workgroup}` |
| instancia | `{instance}` |
| panel | {dashboard_url} |

{sharing}

## Los comandos de la guía, desde AWS CloudShell
Abre CloudShell (el ícono `>_` arriba en la consola){kit_steps}

```bash
{kit_commands}aws firehose describe-delivery-stream --delivery-stream-name {stream} \\
  --query "DeliveryStreamDescription.Destinations[0].ExtendedS3DestinationDescription.BufferingHints"
aws s3 ls s3://{bucket}/data/ --recursive
aws ssm start-session --target {instance}
aws ec2 stop-instances --instance-ids {instance}
aws ec2 start-instances --instance-ids {instance}
```
"""

# What a class across accounts leaves out of the texts above, and what it says instead of the one-account sentence.
_COMMANDS_FOLLOW = "\n<commands>\n"
_KIT = {
    "en": """, then, once:

```bash
aws s3 cp {kit} lab-kit.zip && python3 -m zipfile -e lab-kit.zip lab-kit && bash lab-kit/install.sh
```

Then (the kit knows your lab's name; in a new CloudShell session run `bash lab-kit/install.sh` again first):
<commands>
lab-kit/lab status                   # deployed? instance, producer, when it ends
lab-kit/lab watch --objects 1        # the next object Firehose delivers, and why it flushed
lab-kit/lab verify                   # send 1,000 tagged events and find every one in S3
lab-kit/lab query                    # the saved queries; then: lab-kit/lab query "top tickers"
""",
    "es": """ y, una sola vez:

```bash
aws s3 cp {kit} lab-kit.zip && python3 -m zipfile -e lab-kit.zip lab-kit && bash lab-kit/install.sh
```

Después (el kit conoce el nombre de tu laboratorio; en una sesión nueva de CloudShell, ejecuta antes
`bash lab-kit/install.sh` otra vez):
<commands>
lab-kit/lab status                   # ¿desplegado? instancia, productor, cuándo termina
lab-kit/lab watch --objects 1        # el próximo objeto que entrega Firehose, y por qué se vació el búfer
lab-kit/lab verify                   # envía 1.000 eventos marcados y encuentra cada uno en S3
lab-kit/lab query                    # las consultas guardadas; luego: lab-kit/lab query "top tickers"
""",
}
_SHARED_ACCOUNT = {
    "en": "You may look at and use your own lab only; other labs in this account are someone else's.",
    "es": "Puedes ver y usar solo tu laboratorio; los demás laboratorios de esta cuenta son de otras personas.",
}
_OWN_ACCOUNT = {
    "en": "This AWS account is yours for the class: your lab is all there is in it.",
    "es": "Esta cuenta de AWS es tuya durante la clase: tu laboratorio es lo único que hay en ella.",
}

# make class-up ACCESS_KEYS=yes: the student's access key, after the guide's commands.
_ACCESS_KEYS = {
    "en": """
## Access keys for the AWS CLI outside CloudShell
Your instructor gave you an access key too, for the AWS CLI on your own computer. Keep it secret: whoever has it acts
as you. Like your sign-in, it reaches your own lab only, stops working when the class ends and is deleted with your
user. In a terminal:

```bash
export AWS_ACCESS_KEY_ID={key_id}
export AWS_SECRET_ACCESS_KEY={secret}
export AWS_REGION={region}
```
""",
    "es": """
## Claves de acceso para la AWS CLI fuera de CloudShell
Tu instructor también te dio una clave de acceso, para la AWS CLI en tu propia computadora. Guárdala en secreto:
quien la tenga actúa como tú. Igual que tu inicio de sesión, solo llega a tu laboratorio, deja de funcionar cuando
termina la clase y se borra con tu usuario. En una terminal:

```bash
export AWS_ACCESS_KEY_ID={key_id}
export AWS_SECRET_ACCESS_KEY={secret}
export AWS_REGION={region}
```
""",
}
