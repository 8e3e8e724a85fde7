"""The learning-theme taxonomy, as data.

Themes are how published learning is found and compared across regions (the seed asked for
learning to be searchable by theme). The seed list is the domain brief's (themes seen across case reviews); boards add themes,
so this module only holds the *seed* and the rules a theme must keep (a stable machine code and
a name in both English and Welsh, because everything the public sees is bilingual under the
Welsh language standards). The Welsh names should be checked by a Welsh-language translator
before go-live; they are data, so correcting one is not a code change to any caller.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from shared.codes import index_by_code

CODE_PATTERN = re.compile(r"^[a-z][a-z0-9_]{1,62}[a-z0-9]$")
"""Codes are stored on publications and used in URLs and feeds, so they are plain snake_case."""


@dataclass(frozen=True, slots=True)
class Theme:
    """One learning theme. `code` never changes once used; names may be corrected."""

    code: str
    name_en: str
    name_cy: str
    description_en: str | None = None
    description_cy: str | None = None

    def __post_init__(self) -> None:
        if not CODE_PATTERN.fullmatch(self.code):
            raise ValueError(f"theme code {self.code!r} must be snake_case (a-z, 0-9, _)")
        if not self.name_en.strip() or not self.name_cy.strip():
            raise ValueError(f"theme {self.code!r} needs a name in both English and Welsh")

    def name(self, lang: str) -> str:
        """The display name in `lang` ("en" or "cy"); anything else falls back to English."""
        return self.name_cy if lang == "cy" else self.name_en


SEED_THEMES: tuple[Theme, ...] = (
    Theme("domestic_abuse", "Domestic abuse", "Cam-drin domestig",
          "Abuse between adults in the household and its impact on the child."),
    Theme("parental_mental_health", "Parental mental health", "Iechyd meddwl rhieni",
          "A parent's or carer's mental ill health and its effect on their care of the child."),
    Theme("parental_substance_misuse", "Parental substance misuse",
          "Camddefnyddio sylweddau gan rieni",
          "Alcohol or drug misuse by a parent or carer."),
    Theme("neglect", "Neglect", "Esgeulustod",
          "Persistent failure to meet a child's basic physical or emotional needs."),
    Theme("information_sharing", "Information sharing between agencies",
          "Rhannu gwybodaeth rhwng asiantaethau",
          "Whether what one agency knew reached the agencies that needed it, in time."),
    Theme("risk_assessment", "Risk assessment", "Asesu risg",
          "How risk to the child was assessed and reassessed as circumstances changed."),
    Theme("professional_curiosity", "Professional curiosity", "Chwilfrydedd proffesiynol",
          "Looking beyond what is presented and testing accounts against what is seen."),
    Theme("disguised_compliance", "Disguised compliance", "Cydymffurfiaeth gudd",
          "Apparent co-operation by a family that deflects professional concern."),
    Theme("voice_of_the_child", "Voice of the child", "Llais y plentyn",
          "Whether the child was seen, heard and their lived experience understood."),
    Theme("hierarchy_of_professional_knowledge", "Hierarchy of professional knowledge",
          "Hierarchaeth gwybodaeth broffesiynol",
          "Some professionals' views carrying more weight than others' regardless of evidence."),
    Theme("thresholds_and_decision_making", "Thresholds and decision making",
          "Trothwyon a gwneud penderfyniadau",
          "How thresholds for intervention were understood and applied."),
    Theme("recording", "Recording", "Cofnodi",
          "The quality, timeliness and accessibility of case records."),
    Theme("whole_family_approach", "Whole-family approach", "Dull teulu cyfan",
          "Considering every adult and child in the household, including fathers and partners."),
    Theme("vulnerability_of_babies", "Vulnerability of babies", "Bregusrwydd babanod",
          "The particular risk to babies and children under one."),
    Theme("risks_outside_the_home", "Risks outside the home (including exploitation)",
          "Risgiau y tu allan i'r cartref (gan gynnwys camfanteisio)",
          "Extra-familial harm: criminal and sexual exploitation, peer abuse, online harm."),
    Theme("disability", "Disability", "Anabledd",
          "The additional vulnerability of disabled children and of disabled parents' needs."),
    Theme("childrens_mental_health", "Children's mental health", "Iechyd meddwl plant",
          "The child's own mental health and emotional well-being."),
    Theme("children_not_in_school", "Children not in school", "Plant nad ydynt yn yr ysgol",
          "Elective home education, exclusion, missing education and poor attendance."),
    Theme("young_carers", "Young carers", "Gofalwyr ifanc",
          "Children who care for a parent or sibling."),
    Theme("race_ethnicity_and_culture", "Race, ethnicity and culture",
          "Hil, ethnigrwydd a diwylliant",
          "How the child's identity, culture and experience of racism were understood."),
    Theme("supervision_and_management_oversight", "Supervision and management oversight",
          "Goruchwyliaeth a throsolwg rheolwyr",
          "Whether practitioners had reflective supervision and managers had oversight."),
    Theme("transition_to_adult_services", "Transition to adult services",
          "Pontio i wasanaethau oedolion",
          "Young people moving from children's to adult services, care leavers included."),
)


def build_taxonomy(themes: Iterable[Theme] = SEED_THEMES) -> Mapping[str, Theme]:
    """Index themes by code, refusing duplicates so a board's addition cannot shadow a seed."""
    return index_by_code(themes, "theme")


TAXONOMY: Mapping[str, Theme] = build_taxonomy()


def get_theme(code: str, taxonomy: Mapping[str, Theme] = TAXONOMY) -> Theme:
    """The theme for `code`; KeyError names the code so a caller can turn it into a 422."""
    try:
        return taxonomy[code]
    except KeyError:
        raise KeyError(f"unknown theme code {code!r}") from None


def unknown_codes(codes: Iterable[str], taxonomy: Mapping[str, Theme] = TAXONOMY) -> list[str]:
    """Codes not in the taxonomy, in input order, so validation can name every bad one at once."""
    return [c for c in dict.fromkeys(codes) if c not in taxonomy]


def theme_label(code: str, lang: str, taxonomy: Mapping[str, Theme] = TAXONOMY) -> str:
    """Display name for a code, or the code itself if unknown (a withdrawn/renamed theme must
    not break rendering an old publication)."""
    theme = taxonomy.get(code)
    return theme.name(lang) if theme else code
