"""The fixed vocabularies of community data, shared by the importers, the generator and the analysis.

Column meanings: docs/DATA_SCHEMA.md.
"""

from __future__ import annotations

__all__ = [
    "AGE_BANDS",
    "SEXES",
    "ETHNIC_GROUPS",
    "GROUPS",
    "TOPICS",
    "QUESTIONS",
    "VISIT_OUTCOMES",
    "CRIME_TYPE_TOPICS",
    "TOPIC_LABELS",
]

#: Adult age bands.
AGE_BANDS: tuple[str, ...] = ("18-24", "25-34", "35-44", "45-54", "55-64", "65-74", "75+")
SEXES: tuple[str, ...] = ("Female", "Male")
#: Census 2021 broad ethnic groups (TS021).
ETHNIC_GROUPS: tuple[str, ...] = ("Asian", "Black", "Mixed", "White", "Other")
#: Group memberships a member may hold.
GROUPS: tuple[str, ...] = (
    "independent_advisory_group",
    "neighbourhood_watch",
    "faith_group",
    "community_group",
    "key_individual_network",
    "business",
)
#: Local priority topics residents choose from in the survey.
TOPICS: tuple[str, ...] = (
    "drugs",
    "asb",
    "speeding",
    "burglary",
    "vehicle_crime",
    "violence",
    "litter_flytipping",
    "youth_nuisance",
    "shoplifting",
    "criminal_damage",
)
#: The survey's 5-point questions (1 lowest, 5 highest).
QUESTIONS: dict[str, str] = {
    "trust": "How much do you trust the police in your local area?",
    "confidence": "Taking everything into account, how confident are you in the police in your local area?",
    "understands_issues": "The police understand the issues that affect this community.",
    "deals_with_concerns": "The police are dealing with the things that matter to people in this community.",
}
#: Door-knocking outcomes: nobody answered; spoke, already registered; registered on the doorstep; declined.
VISIT_OUTCOMES: tuple[str, ...] = ("not_in", "visited", "registered", "declined")
#: The survey topic each police.uk crime category speaks to (categories not listed match no topic).
CRIME_TYPE_TOPICS: dict[str, str] = {
    "Drugs": "drugs",
    "Anti-social behaviour": "asb",
    "Burglary": "burglary",
    "Vehicle crime": "vehicle_crime",
    "Violence and sexual offences": "violence",
    "Shoplifting": "shoplifting",
    "Criminal damage and arson": "criminal_damage",
}
#: How each topic reads in a sentence.
TOPIC_LABELS: dict[str, str] = {
    "drugs": "drugs",
    "asb": "anti-social behaviour",
    "speeding": "speeding",
    "burglary": "burglary",
    "vehicle_crime": "vehicle crime",
    "violence": "violence",
    "litter_flytipping": "litter and fly-tipping",
    "youth_nuisance": "youth nuisance",
    "shoplifting": "shoplifting",
    "criminal_damage": "criminal damage",
}
