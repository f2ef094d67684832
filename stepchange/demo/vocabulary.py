"""The words the demo is made of: British names, job titles, places, sectors, police forces, phone
ranges kept for drama, and the sentences of declarations, reviews, updates, actions and notes."""

from __future__ import annotations

from stepchange.ethics.models import ConflictKind, DeclarationOutcome
from stepchange.projects.models import Rag


def words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


FIRST_NAMES = words(
    "Aaliyah Aaron Abdul Adam Adebayo Aisha Alan Alice Amara Amir Amy Andrew Angela Anita Anna Arjun Ben Beth "
    "Bilal Bronwen Callum Caroline Catherine Chen Chloe Chris Ciara Claire Connor Craig Dafydd Daniel Deepa "
    "David Declan Eilidh Elena Emily Emma Eoin Farah Fiona Gareth Grace Hamza Hannah Harry Helen Ian Imran "
    "Isla Jack James Jasmine Jennifer Joanna John Jonathan Joseph Kate Kemi Kieran Laura Leon Liam Lucy Mark "
    "Marta Matthew Megan Michael Mohammed Morgan Naomi Nasreen Neil Niamh Nicola Oliver Olu Owen Paul Peter "
    "Priya Rachel Rajesh Rebecca Rhys Richard Robert Rory Ruth Sam Sarah Seren Shauna Simon Siobhán Sophie "
    "Stephen Stuart Sunita Tariq Thomas Tom Una Victoria Wei William Yusuf Zainab Zoë"
)
LAST_NAMES = words(
    "Adams Adeyemi Ahmed Ali Allen Anderson Bailey Baker Begum Bell Bennett Brown Campbell Carter Chapman "
    "Chen Clark Clarke Collins Cook Cooper Davies Davis Doherty Edwards Evans Fox Fraser Gallagher Green "
    "Griffiths Hall Harris Hill Hughes Hussain Jackson James Jenkins Johnson Jones Kaur Kelly Khan King Lee "
    "Lewis Lloyd MacDonald Martin Mitchell Moore Morgan Morris Murphy Murray Nowak O'Brien O'Neill Okafor "
    "Owen Parker Patel Phillips Price Quinn Reid Roberts Robertson Robinson Rogers Scott Shah Singh Smith "
    "Stewart Taylor Thomas Thompson Turner Walker Wallace Ward Watson White Williams Wilson Wood Wright Young"
)
JOB_TITLES = (
    "Head of Security",
    "Security Manager",
    "Chief Security Officer",
    "Risk and Resilience Manager",
    "Business Continuity Lead",
    "Operations Director",
    "Facilities Manager",
    "Venue Safety Officer",
    "Crowd Safety Manager",
    "Loss Prevention Manager",
    "Cyber Security Analyst",
    "Information Security Officer",
    "Protective Security Lead",
    "Emergency Planning Officer",
    "Station Manager",
    "Security Consultant",
    "Contracts Manager",
    "Head of Health and Safety",
    "Training Manager",
    "Managing Director",
)
POLICE_TITLES = (
    "Counter Terrorism Security Adviser",
    "Police Inspector",
    "Police Sergeant",
    "Detective Constable",
    "Chief Inspector",
    "Protective Security Lead",
)
PLACES = words(
    "Albion Anglia Avon Beacon Britannia Caledonian Cambrian Castle Chiltern Clyde Cotswold Crown Downland "
    "Fenland Harbour Highland Humber Kingsway Lakeland Marches Mercia Meridian Mersey Moorland Northgate "
    "Orchard Peak Pennine Phoenix Riverside Severn Solent Sterling Summit Thames Trent Tyne Vanguard Weald "
    "Wessex Aberdeen Belfast Birmingham Brighton Bristol Cardiff Coventry Derby Dundee Edinburgh Exeter "
    "Glasgow Hull Inverness Leeds Leicester Liverpool London Manchester Newcastle Norwich Nottingham Oxford "
    "Plymouth Portsmouth Reading Sheffield Southampton Swansea York"
)
SECTOR_NOUNS: dict[str, tuple[str, ...]] = {
    "Transport": ("Rail", "Buses", "Ferries", "Airport", "Logistics", "Trams"),
    "Retail": ("Stores", "Retail", "Supermarkets", "Outlets", "Shopping Centres"),
    "Hospitality and leisure": ("Hotels", "Leisure", "Inns", "Cinemas", "Restaurants"),
    "Sport and events": ("Stadium", "Arena", "Events", "Racecourse", "Sports Club"),
    "Travel and tourism": ("Travel", "Holidays", "Tours", "Cruises"),
    "Finance and insurance": ("Bank", "Insurance", "Building Society", "Capital"),
    "Technology and telecoms": ("Telecom", "Networks", "Digital", "Data Centres"),
    "Security services": ("Security", "Guarding", "Protection Services", "Risk Consulting"),
    "Property and facilities": ("Estates", "Property", "Facilities Management", "Developments"),
    "Health": ("Health Trust", "Healthcare", "Hospitals"),
    "Education": ("University", "College", "Academy Trust"),
    "Government and public sector": ("City Council", "Borough Council", "Combined Authority"),
    "Charity and community": ("Trust", "Foundation", "Community Partnership"),
    "Other": ("Holdings", "Partners", "Services"),
}
POLICE_FORCES = (
    "Avon and Somerset",
    "Bedfordshire",
    "British Transport",
    "Cambridgeshire",
    "Cheshire",
    "City of London",
    "Cleveland",
    "Cumbria",
    "Derbyshire",
    "Devon and Cornwall",
    "Dorset",
    "Durham",
    "Dyfed-Powys",
    "Essex",
    "Gloucestershire",
    "Greater Manchester",
    "Gwent",
    "Hampshire",
    "Hertfordshire",
    "Humberside",
    "Kent",
    "Lancashire",
    "Leicestershire",
    "Lincolnshire",
    "Merseyside",
    "Metropolitan",
    "Norfolk",
    "North Wales",
    "North Yorkshire",
    "Northamptonshire",
    "Northumbria",
    "Nottinghamshire",
    "South Wales",
    "South Yorkshire",
    "Staffordshire",
    "Suffolk",
    "Surrey",
    "Sussex",
    "Thames Valley",
    "Warwickshire",
    "West Mercia",
    "West Midlands",
    "West Yorkshire",
    "Wiltshire",
)
LEGAL_SUFFIXES = ("Ltd", "plc", "Group", "LLP", "")
FREE_MAIL = ("gmail.example", "outlook.example", "btinternet.example", "yahoo.example", "icloud.example")
PHONE_RANGES = ("+447700900", "+442079460", "+441614960", "+441134960", "+441314960")
"""Ofcom's numbers for drama (and demos): mobile, London, Manchester, Leeds, Edinburgh."""
HOURS = (2, 4, 4, 6, 8, 8, 8, 10, 12, 16, 20, 24, 40)
AREAS = (
    "stadium and venue security",
    "retail loss prevention",
    "rail and station operations",
    "hotel security",
    "crowded places protective security",
    "counter-terrorism policing",
    "cyber incident response",
    "event stewarding and crowd management",
    "guarding contracts",
    "business continuity",
    "public sector emergency planning",
    "insider risk and vetting",
)
DETAILS = (
    "led ACT Awareness training for front-line staff",
    "ran the site's Project Servator exercises with the local force",
    "wrote our lockdown and invacuation plans",
    "chair a regional security managers' network",
    "manage a team of licensed door supervisors",
    "built a supplier security audit from scratch",
    "coordinate with CTSAs on our annual review",
    "hold a CSAS accreditation for our company",
)
DECLARATIONS: dict[ConflictKind, tuple[str, ...]] = {
    ConflictKind.FINANCIAL: (
        "I hold shares in {org}, which sells services in this area.",
        "My employer {org} bids for contracts this project may shape.",
    ),
    ConflictKind.PROFESSIONAL: (
        "I sit on an advisory panel for {org}.",
        "I am a paid consultant to {org} on security standards.",
    ),
    ConflictKind.PERSONAL: ("A close friend runs {org}.", "I volunteer as a trustee of {org}."),
    ConflictKind.INDIRECT: ("My partner works for {org}.", "A family member is a director of {org}."),
}
REVIEW_REASONS = {
    DeclarationOutcome.NO_CONFLICT: "The interest does not touch the project's decisions.",
    DeclarationOutcome.MANAGED: "A real interest: managed by keeping them out of supplier decisions.",
    DeclarationOutcome.EXCLUDED: "The interest is direct: they cannot take part in the projects named.",
}
SUMMARIES = {
    Rag.GREEN: ("On track: the team meets fortnightly.", "Milestones met; recruitment going well."),
    Rag.AMBER: ("Slipping: waiting on a lead to accept.", "Some risk: partner engagement slower than planned."),
    Rag.RED: ("Off track: no lead yet and key partners not engaged.", "Blocked pending ethics conditions."),
}
STANDING_ITEMS = ("Apologies and introductions", "Minutes of the last meeting", "Action log", "Any other business")
ACTION_TITLES = (
    "Circulate the draft guidance to members",
    "Arrange a briefing with the local CTSA",
    "Collect case studies from retail members",
    "Propose a pilot site for the exercise",
    "Draft the project's terms of reference",
    "Map existing training providers",
    "Report survey results to the board",
    "Agree data sharing with partners",
)
NOTES = (
    "Spoke on the phone: keen to lead but limited time until spring.",
    "Previously worked with the CP work-stream's co-chair; no conflict.",
    "Asked to be considered for a second project later.",
    "Evidence checked against their employer's website.",
)
TIME_NOTES = (
    "Drafted the guidance section with the project lead",
    "Two workshops with the working group, and reading",
    "Site visits to review the pilot",
    "Reviewed the supplier questionnaire",
    "Travel to the quarterly meeting in London",
)
QUERIES = (
    "Please split the hours between the workshops and the drafting",
    "These expenses look like a claim: the programme does not reimburse; please check",
    "The hours seem high for this month: can you confirm?",
)
PROPOSAL_RATIONALES = (
    "The Action should name the sectors the pilot covers, so members know whether it applies to them.",
    "The title is too long to read on the project list; a shorter one says the same.",
    "The Vision should say how we will know the guidance is being used, not only that it is published.",
    "Members asked for the Action to include small businesses as well as large venues.",
)
REFUSALS = (
    "The board agreed the current wording last month; we will revisit it at the next review.",
    "This belongs in the delivery plan rather than the project's Action.",
)
SUBGROUPS = (
    ("Guidance drafting", "Drafts and reviews the work-stream's guidance before the full group signs it off"),
    ("Training and exercising", "Plans the table-top exercises and the training that follows them"),
    ("Small business outreach", "Brings the guidance to businesses without a security team"),
    ("Evaluation", "Measures whether the projects' guidance is used, and reports to the group"),
    ("Communications", "Plans how the group's work is announced and to whom"),
)
TERMS_SECTIONS = {
    "mission": "To bring business and policing together to reduce the risk of terrorism in {name}.",
    "membership": "A business and a police co-chair, their deputies, and members from organisations in the sector; "
    "each member brings their organisation's security practice and shares what they learn.",
    "schedule": "On the first Tuesday of each period, 10:00 to 12:00, by video call or at New Scotland Yard.",
    "subgroups": "Subgroups may be formed for a matter that does not need every member; they report to the group.",
    "action_plans": "Each project keeps an action plan; the action log is reviewed at every meeting.",
    "minutes": "Minutes are written by the co-chairs within a week and shared with members only.",
    "etiquette": "Chatham House rule; no supplier promotion; members declare interests at the start.",
}
MATURITY_EVIDENCE = (
    "Terms of reference published and acknowledged by most members",
    "Meetings held on cadence with minutes within a week",
    "Action log reviewed at each meeting; few overdue actions",
    "Members from every part of the sector take part",
    "Guidance drafted and tested with a pilot",
)
MATURITY_NEXT = (
    "Recruit members from smaller organisations",
    "Agree how the group measures the guidance's use",
    "Close the overdue actions before the next meeting",
    "Publish the terms of reference's next version",
)
