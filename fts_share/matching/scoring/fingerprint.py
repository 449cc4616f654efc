"""The version of the name analysis, as a fingerprint of what it makes of a fixed set
of names: an index saved by another version is analysed again (``index.persist``,
``index.mapped``)."""

from __future__ import annotations

import hashlib
import json
from functools import lru_cache

from fts_share.matching.scoring.analysis import analyze_name

#: probe names whose analysis fingerprints the analyser version
_PROBES = (
    "Abu Bakr al-Baghdadi", "أبو بكر البغدادي", "IBRAHIM AWWAD IBRAHIM ALI AL-BADRI",
    "Abd al-Rahman bin Muhammad", "عبدالرحمن", "Salahuddin Nasrallah", "صلاح الدين",
    "Dr. Ayman al-Zawahiri", "الشيخ أيمن الظواهري", "Khalid Sheikh Mohammed",
    "Binalshibh Ramzi", "Abdelkader Zidane", "ضياء الدين", "Thamer Dhiyab", "Oussama",
    "Mullah Omar", "ملا عمر", "Hajji Khan", "يوسف القرضاوي", "Fatimah Zahra",
    "Kim Jong-un", "Ch'oe Ch'un-yo'ng", "Umm Kulthum", "Emad Šamil", "Цатаев Чатаев",
    "Chang Su Han", "Thae Hyeon-hui", "Jang Yong", "Kim Kyong Ok", "Colonel Omega",
    "AWEYS, Sheikh Hassan (COMBAT NAME)", "Shahid Khel", "انور سرور", "Lakhdar Lhadi",
    "قادر السيد", "Ахмед Ражапович Чатаев", "Haji M. Ashraf", "Idriça Beşir ځدران")


@lru_cache(maxsize=1)
def analyzer_fingerprint() -> str:
    """A hash of what the current name analysis makes of a fixed set of names."""
    doc = [[r.to_dict() for r in analyze_name(n).readings] for n in _PROBES]
    return hashlib.sha256(json.dumps(doc, ensure_ascii=False, sort_keys=True)
                          .encode()).hexdigest()[:32]
