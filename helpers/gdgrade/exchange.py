"""nbgrader's collect, refusing a submission that one student handed in under another's name.

On a shared JupyterHub every student can write into the exchange's inbound folder, and `nbgrader
submit --student=<someone else>` files a submission under any name. nbgrader's own collect notices
that the folder's Unix owner is not the student it names, logs a warning and collects it anyway: the
forged copy, being the newest, replaces the real one. This collect leaves such a copy where it is,
logs an error naming both users, and takes the student's newest genuine submission instead (ignoring
any due date for that fallback). It is the course's collect through nbgrader_config.py
(`c.ExchangeFactory.collect`).
"""

from __future__ import annotations

import glob
import os
import pwd

from nbgrader.exchange.default.collect import ExchangeCollect


def owner_of(path: str) -> str:
    """The Unix user who owns `path` (its uid if no user has it)."""
    uid = os.stat(path).st_uid
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return str(uid)


class OwnerCheckedCollect(ExchangeCollect):
    """Collect only submissions owned by the student whose name they carry."""

    def _genuine(self, record: dict) -> bool:
        """Is the submission folder of `record` owned by the student it names?"""
        owner = owner_of(os.path.join(self.inbound_path, record["filename"]))
        if owner != record["username"]:
            self.log.error("%s claims to come from %s but belongs to %s: not collected", record["filename"],
                           record["username"], owner)
            return False
        return True

    def init_src(self) -> None:
        """nbgrader's choice of one submission per student, with every forged one replaced or dropped."""
        super().init_src()
        chosen = []
        for record in self.src_records:
            if self._genuine(record):
                chosen.append(record)
                continue
            pattern = os.path.join(self.inbound_path, f"{record['username']}+{self.coursedir.assignment_id}+*")
            genuine = [r for r in map(self._path_to_record, glob.glob(pattern)) if r != record and self._genuine(r)]
            if genuine:
                chosen.append(self._sort_by_timestamp(genuine)[0])
        self.src_records = chosen
