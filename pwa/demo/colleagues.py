"""The named demo people's colleagues: enough of them that every role has a real headcount.

A frontline employer has hundreds of people per role; a report that counts ten
shows nothing once the counts carry noise. The colleagues are made up the same
way on every run: one ``random.Random`` with a fixed seed walks the roles in a
fixed order, so ``seed-demo`` finds the same people again and adds nothing.

Each colleague takes the time zone and locale of one of the role's named people
(so a role keeps its mix of cultures), and a first and last name from that
locale's lists. Nobody signs in as them: they have no invites.

Changing the names, the seed or a headcount makes other colleagues: a database
seeded before keeps the old ones beside the new, so start that one afresh.
"""

from __future__ import annotations

import random
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

SEED = 20240611

# Per locale, groups of (first names, last names) that go together: a group keeps a
# culture's names (and, where last names change with gender, a gender) in one person.
# A locale's own order of names is kept: Vietnamese names put the family name first.
FAMILY_FIRST = {"vi-VN"}
NAMES: dict[str, list[tuple[tuple[str, ...], tuple[str, ...]]]] = {
    "en-GB": [
        (("Oliver", "Jack", "Harry", "George", "Charlie", "Thomas", "James", "William",
          "Emily", "Olivia", "Sophie", "Jessica", "Amelia", "Lucy", "Charlotte", "Ellie",
          "Rebecca", "Karen", "Stephen", "Gemma"),
         ("Smith", "Jones", "Taylor", "Brown", "Wilson", "Evans", "Roberts", "Walker",
          "Wright", "Robinson", "Thompson", "Hughes", "Edwards", "Green", "Hall", "Wood",
          "Harris", "Turner", "Cooper", "Ward")),
        (("Chidi", "Ngozi", "Kofi", "Ama", "Tunde", "Folake", "Yaw", "Abena", "Emeka",
          "Adaeze", "Kwesi", "Efua", "Chinedu", "Funmilayo"),
         ("Okafor", "Adeyemi", "Mensah", "Boateng", "Owusu", "Okoro", "Asante", "Eze",
          "Adebayo", "Nwosu", "Appiah", "Oduya", "Acheampong", "Bello")),
        (("Aarav", "Ravi", "Anjali", "Sanjay", "Neha", "Imran", "Bilal", "Zara", "Sana",
          "Harpreet", "Arjun", "Nadia", "Rajesh", "Farah"),
         ("Shah", "Patel", "Khan", "Hussain", "Singh", "Ahmed", "Sharma", "Mistry",
          "Chaudhry", "Iqbal", "Malik", "Desai", "Rahman", "Gill")),
        (("Wei", "Jun", "Xin", "Hui", "Ling", "Chen", "Yan", "Hao", "Jing", "Bo"),
         ("Lin", "Chen", "Wong", "Li", "Zhang", "Liu", "Huang", "Zhou", "Wu", "Tang")),
        (("Omar", "Hodan", "Amina", "Abdi", "Faisal", "Layla", "Yasmin", "Hamza",
          "Ayaan", "Khadija"),
         ("Ibrahim", "Hassan", "Ali", "Mohamed", "Osman", "Abdullahi", "Yusuf", "Farah",
          "Warsame", "Aden")),
        (("Joy", "Wanjiru", "Brian", "Faith", "Kevin", "Mercy", "Dennis", "Esther"),
         ("Mwangi", "Otieno", "Kamau", "Njoroge", "Wambui", "Ochieng", "Kariuki",
          "Achieng")),
    ],
    "en-IE": [
        (("Liam", "Niamh", "Aoife", "Ciarán", "Seán", "Siobhán", "Conor", "Róisín",
          "Patrick", "Cian", "Orla", "Eoin", "Aisling", "Darragh", "Sinéad", "Declan",
          "Caoimhe", "Fionn"),
         ("Murphy", "Byrne", "O'Brien", "Walsh", "Kelly", "Ryan", "O'Sullivan", "Doyle",
          "McCarthy", "Gallagher", "Kennedy", "Lynch", "Nolan", "Quinn", "Brennan",
          "Fitzgerald", "Dunne", "Keane")),
    ],
    "es-ES": [
        (("Ana", "Carmen", "Lucía", "Marta", "Pablo", "Javier", "Alejandro", "Laura",
          "Sergio", "Elena", "Raúl", "Nuria", "Iker", "Pilar", "Álvaro", "Irene"),
         ("Ruiz", "Vidal", "García", "Martínez", "López", "Sánchez", "Romero", "Navarro",
          "Torres", "Domínguez", "Gil", "Serrano", "Moreno", "Jiménez", "Molina",
          "Castro")),
    ],
    "pl-PL": [
        (("Tomasz", "Andrzej", "Katarzyna", "Agnieszka", "Piotr", "Magdalena",
          "Krzysztof", "Joanna", "Paweł", "Marta", "Michał", "Ewa"),
         ("Nowak", "Wójcik", "Kowalczyk", "Mazur", "Krawczyk", "Kaczmarek", "Zając",
          "Król", "Wieczorek", "Dudek", "Pawlak", "Sikora")),
    ],
    "it-IT": [
        (("Sofia", "Giulia", "Marco", "Luca", "Francesca", "Alessandro", "Chiara",
          "Matteo", "Elena", "Davide", "Martina", "Giorgio"),
         ("Rossi", "Russo", "Ferrari", "Esposito", "Bianchi", "Romano", "Colombo",
          "Ricci", "Marino", "Greco", "Bruno", "Conti")),
    ],
    "fr-FR": [
        (("Camille", "Léa", "Manon", "Julien", "Hugo", "Thomas", "Nicolas", "Chloé",
          "Lucas", "Sarah", "Mathieu", "Claire"),
         ("Dubois", "Martin", "Bernard", "Petit", "Durand", "Leroy", "Moreau", "Laurent",
          "Lefebvre", "Michel", "Roux", "Fournier")),
        (("Fatima", "Yasmine", "Karim", "Mehdi", "Nadia", "Samir", "Leïla", "Rachid",
          "Amine", "Salma"),
         ("Benali", "Haddad", "Mansouri", "Belkacem", "Amrani", "Chaoui", "Bouzid",
          "Saidi", "Tahiri", "Zahra")),
    ],
    "pt-PT": [
        (("Daniel", "João", "Inês", "Beatriz", "Tiago", "Rui", "Catarina", "Miguel",
          "Sofia", "Diogo", "Mariana", "Pedro"),
         ("Costa", "Silva", "Santos", "Ferreira", "Pereira", "Oliveira", "Rodrigues",
          "Martins", "Sousa", "Fernandes", "Gomes", "Marques")),
    ],
    "de-DE": [
        (("Hannah", "Lukas", "Leon", "Anna", "Lena", "Felix", "Jonas", "Laura", "Sophie",
          "Maximilian", "Julia", "Tobias"),
         ("Becker", "Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer",
          "Wagner", "Hoffmann", "Schulz", "Koch", "Richter")),
    ],
    "en-US": [
        (("Marcus", "Tyrone", "Ashley", "Brittany", "Tyler", "Kayla", "Brandon",
          "Jasmine", "Dustin", "Megan", "Cody", "Destiny", "Kevin", "Amber", "Andre",
          "Latoya"),
         ("Johnson", "Williams", "Miller", "Davis", "Anderson", "Jackson", "White",
          "Harris", "Thompson", "Robinson", "Lewis", "Walker", "Young", "Allen", "King",
          "Scott")),
    ],
    "es-MX": [
        (("Lucía", "José", "Juan", "Guadalupe", "Alejandra", "Luis", "Miguel", "Rosa",
          "Fernando", "Adriana", "Jorge", "Verónica"),
         ("Fernández", "Hernández", "González", "Ramírez", "Flores", "Cruz", "Morales",
          "Reyes", "Gutiérrez", "Ortiz", "Castillo", "Mendoza")),
    ],
    "es-US": [
        (("Rosa", "Maria", "Carlos", "Daniel", "Jessica", "Jose", "Ana", "Luis",
          "Vanessa", "Angel", "Diana", "Victor"),
         ("Martinez", "Garcia", "Rodriguez", "Lopez", "Gonzalez", "Perez", "Sanchez",
          "Rivera", "Torres", "Ramirez", "Romero", "Flores")),
    ],
    "ro-RO": [
        (("Elena", "Andrei", "Ioana", "Mihai", "Alexandra", "Cristina", "Ionuț",
          "Gabriel", "Maria", "Adrian", "Raluca", "Florin"),
         ("Popescu", "Ionescu", "Popa", "Stan", "Dumitru", "Stoica", "Gheorghe", "Rusu",
          "Munteanu", "Matei", "Constantin", "Marin")),
    ],
    "vi-VN": [
        (("Van An", "Van Binh", "Van Minh", "Van Tuan", "Van Duc", "Van Hung", "Van Long",
          "Van Nam"),
         ("Nguyen", "Tran", "Le", "Pham", "Hoang", "Huynh", "Vo", "Dang", "Bui", "Do")),
        (("Thi Lan", "Thi Hoa", "Thi Linh", "Thi Huong", "Thi Mai", "Thi Thu", "Thi Ngoc",
          "Thi Trang"),
         ("Nguyen", "Tran", "Le", "Pham", "Hoang", "Huynh", "Vo", "Dang", "Bui", "Do")),
    ],
    "lv-LV": [
        (("Olga", "Natalja", "Jeļena", "Irina", "Svetlana", "Tatjana", "Marina"),
         ("Ivanova", "Petrova", "Smirnova", "Kuzņecova", "Volkova", "Sokolova", "Popova")),
        (("Sergejs", "Aleksandrs", "Dmitrijs", "Igors", "Vladimirs", "Andrejs"),
         ("Ivanovs", "Petrovs", "Smirnovs", "Kuzņecovs", "Volkovs", "Sokolovs")),
        (("Līga", "Ilze", "Inese", "Kristīne", "Laura", "Dace"),
         ("Bērziņa", "Kalniņa", "Ozola", "Liepiņa", "Krūmiņa", "Jansone")),
        (("Jānis", "Andris", "Mārtiņš", "Edgars", "Kristaps", "Raivis"),
         ("Bērziņš", "Kalniņš", "Ozols", "Liepiņš", "Krūmiņš", "Jansons")),
    ],
    "pt-BR": [
        (("Maria", "Ana", "Gabriel", "Lucas", "Juliana", "Rafael", "Camila", "Thiago",
          "Larissa", "Bruno", "Fernanda", "Mateus"),
         ("Santos", "Silva", "Oliveira", "Souza", "Lima", "Pereira", "Almeida", "Ribeiro",
          "Carvalho", "Araújo", "Barbosa", "Rocha")),
    ],
    "tr-TR": [
        (("Yusuf", "Mehmet", "Ayşe", "Fatma", "Emre", "Zeynep", "Elif", "Murat", "Hakan",
          "Esra", "Cem", "Merve"),
         ("Demir", "Yılmaz", "Kaya", "Şahin", "Çelik", "Yıldız", "Öztürk", "Aydın",
          "Arslan", "Doğan", "Kılıç", "Aslan")),
    ],
    "nb-NO": [
        (("Ingrid", "Ola", "Kari", "Lars", "Nora", "Emma", "Jakob", "Sindre", "Silje",
          "Henrik", "Ingvild", "Magnus"),
         ("Larsen", "Hansen", "Johansen", "Olsen", "Andersen", "Pedersen", "Nilsen",
          "Kristiansen", "Jensen", "Karlsen", "Berg", "Haugen")),
    ],
}


@dataclass(frozen=True)
class Colleague:
    """One made-up person of the demo: where they work, and whether they rated yet."""

    name: str
    role: str
    time_zone: str
    locale: str
    site: str
    future_role: str | None
    assessed: bool


@dataclass(frozen=True)
class Headcount:
    """How many people a role has in all, named ones included.

    ``sites``: headcount per site; ``future``: how many hold ``future_role`` as
    their future role; ``not_assessed``: how many have not rated yet.
    """

    role: str
    sites: Mapping[str, int]
    not_assessed: int
    future: int = 0
    future_role: str | None = None


def generate(headcounts: Iterable[Headcount], named: Iterable[tuple[str, str, str, str]],
             sites: Mapping[str, str], futures: Mapping[str, str],
             not_assessed: Iterable[str]) -> list[Colleague]:
    """The colleagues that bring each role up to its headcount, the same ones on every call.

    ``named``: (name, role, time zone, locale) of the named people, who count
    towards their role's headcount; ``sites``, ``futures`` and ``not_assessed`` say
    where they work, which of them chose a future role, and which have not rated yet.
    """
    named = list(named)
    rng = random.Random(SEED)
    taken = {_folded(name) for name, *_ in named}
    waiting = set(not_assessed)
    out: list[Colleague] = []
    for wanted in headcounts:
        mine = [(name, zone, locale) for name, role, zone, locale in named
                if role == wanted.role]
        here = Counter(sites[name] for name, _, _ in mine)
        if any(here[site] > wanted.sites.get(site, 0) for site in here):
            raise ValueError(f"{wanted.role}: more named people at a site than its headcount")
        places = [site for site, total in wanted.sites.items()
                  for _ in range(total - here[site])]
        count = len(places)
        rng.shuffle(places)
        future = set(rng.sample(range(count),
                                wanted.future - sum(n in futures for n, _, _ in mine)))
        waiting_named = sum(n in waiting for n, _, _ in mine)
        unrated = set(rng.sample(range(count), wanted.not_assessed - waiting_named))
        for index, site in enumerate(places):
            _, zone, locale = rng.choice(mine)
            name = _name(rng, locale, taken)
            taken.add(_folded(name))
            out.append(Colleague(name, wanted.role, zone, locale, site,
                                 wanted.future_role if index in future else None,
                                 index not in unrated))
    return out


def _name(rng: random.Random, locale: str, taken: set[str]) -> str:
    """A name of ``locale`` nobody in the organisation has yet, or one that differs only
    in accents or case (two such people would be hard to tell apart in a list)."""
    groups = NAMES[locale]
    for _ in range(1000):
        firsts, lasts = rng.choice(groups)
        first, last = rng.choice(firsts), rng.choice(lasts)
        name = f"{last} {first}" if locale in FAMILY_FIRST else f"{first} {last}"
        if _folded(name) not in taken:
            return name
    raise ValueError(f"too few {locale} names for the demo's headcount")


def _folded(name: str) -> str:
    """The name without accents or case: "Ana Sánchez" and "Ana Sanchez" are one."""
    return "".join(c for c in unicodedata.normalize("NFKD", name)
                   if not unicodedata.combining(c)).casefold()
