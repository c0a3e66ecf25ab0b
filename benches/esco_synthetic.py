#!/usr/bin/env python3
"""Writes a synthetic ESCO taxonomy in ESCO's own CSV layout, of ESCO's size,
for measuring the taxonomy import (docs/performance.md):

    python3 benches/esco_synthetic.py /tmp/esco [skills] [occupations]

skills_en.csv (14,000 skills by default, two to six altLabels each, newline
separated inside a quoted cell), broaderRelationsSkillPillar_en.csv (every
skill under one or two broader concepts, 640 of them skill groups in a
four-level hierarchy), skillSkillRelations_en.csv (about 15,000 related
pairs), occupations_en.csv (3,000 by default) and
occupationSkillRelations_en.csv (about 40 skills each). Deterministic: the
same arguments give the same files.
"""

import csv
import os
import random
import sys
import uuid

WORDS = """manage develop analyse plan monitor coordinate design implement evaluate supervise negotiate
lead apply perform maintain operate advise assess communicate organise customer risk financial budget
data quality safety project team supplier contract product service market sales digital process
compliance strategy policy change crisis stakeholder brand content training talent performance
inventory logistics procurement audit tax legal health energy software network security cloud
learning research engineering production maintenance retail banking insurance hospitality media
relations experience operations reporting forecasting pricing portfolio innovation governance""".split()

NS = uuid.UUID("0b7e3c1a-5d2f-4e6a-8b9c-1d2e3f4a5b6c")


def uri(kind, n):
    return f"http://data.europa.eu/esco/{kind}/{uuid.uuid5(NS, f'{kind}:{n}')}"


def label(rng, words):
    return " ".join(rng.sample(WORDS, words))


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "/tmp/esco"
    n_skills = int(sys.argv[2]) if len(sys.argv) > 2 else 14000
    n_occupations = int(sys.argv[3]) if len(sys.argv) > 3 else 3000
    rng = random.Random(42)
    os.makedirs(out, exist_ok=True)
    labels = []
    with open(f"{out}/skills_en.csv", "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow("conceptType,conceptUri,skillType,reuseLevel,preferredLabel,altLabels,hiddenLabels,status,"
                   "modifiedDate,scopeNote,definition,inScheme,description".split(","))
        for i in range(n_skills):
            preferred = f"{label(rng, rng.randint(2, 4))} {i}"
            labels.append(preferred)
            alts = "\n".join(f"{label(rng, rng.randint(2, 4))} {i}-{a}" for a in range(rng.randint(2, 6)))
            w.writerow(["KnowledgeSkillCompetence", uri("skill", i),
                        rng.choice(["skill/competence", "skill/competence", "knowledge"]),
                        rng.choice(["transversal", "cross-sector", "sector-specific", "occupation-specific"]),
                        preferred, alts, "", "released", "2023-11-30T12:00:00.000Z", "", "",
                        "http://data.europa.eu/esco/concept-scheme/skills",
                        f"Synthetic skill {i}: {label(rng, 12)}."])
    # Skill groups: 8 top, 40 second, 160 third, 432 fourth level.
    levels = [8, 40, 160, 432]
    groups = []
    with open(f"{out}/broaderRelationsSkillPillar_en.csv", "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow("conceptType,conceptUri,conceptLabel,broaderType,broaderUri,broaderLabel".split(","))
        previous = []
        for depth, count in enumerate(levels):
            current = []
            for g in range(count):
                n = len(groups)
                groups.append((uri("skill", f"group-{n}"), f"group {depth}.{g} {label(rng, 2)}"))
                current.append(n)
                if previous:
                    parent = groups[rng.choice(previous)]
                    w.writerow(["SkillGroup", groups[n][0], groups[n][1], "SkillGroup", parent[0], parent[1]])
            previous = current
        relations = 0
        for i in range(n_skills):
            if i > 50 and rng.random() < 0.35:
                parent = rng.randrange(0, i)
                w.writerow(["KnowledgeSkillCompetence", uri("skill", i), labels[i],
                            "KnowledgeSkillCompetence", uri("skill", parent), labels[parent]])
                relations += 1
            group = groups[rng.choice(previous)]
            w.writerow(["KnowledgeSkillCompetence", uri("skill", i), labels[i], "SkillGroup", group[0], group[1]])
            relations += 1
    with open(f"{out}/skillSkillRelations_en.csv", "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow("originalSkillUri,originalSkillType,relationType,relatedSkillUri,relatedSkillType".split(","))
        seen = set()
        while len(seen) < n_skills * 15 // 14:
            a, b = rng.randrange(n_skills), rng.randrange(n_skills)
            if a == b or (a, b) in seen or (b, a) in seen:
                continue
            seen.add((a, b))
            w.writerow([uri("skill", a), "skill/competence", rng.choice(["essential", "optional"]),
                        uri("skill", b), "knowledge"])
    with open(f"{out}/occupations_en.csv", "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow("conceptType,conceptUri,iscoGroup,preferredLabel,altLabels,hiddenLabels,status,modifiedDate,"
                   "regulatedProfessionNote,scopeNote,definition,inScheme,description,code".split(","))
        for o in range(n_occupations):
            isco = f"{rng.randint(1000, 9999)}"
            w.writerow(["Occupation", uri("occupation", o), isco, f"{label(rng, 2)} officer {o}",
                        "\n".join(f"{label(rng, 2)} {o}-{a}" for a in range(3)), "", "released",
                        "2023-11-30T12:00:00.000Z", "", "", "", "http://data.europa.eu/esco/concept-scheme/occupations",
                        f"Synthetic occupation {o}.", f"{isco}.{o}"])
    with open(f"{out}/occupationSkillRelations_en.csv", "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow("occupationUri,relationType,skillType,skillUri".split(","))
        for o in range(n_occupations):
            for s in rng.sample(range(n_skills), 40):
                w.writerow([uri("occupation", o), rng.choice(["essential", "optional"]), "skill/competence",
                            uri("skill", s)])
    print(f"wrote {n_skills} skills, {len(groups)} groups, {relations} broader and {len(seen)} related relations, "
          f"{n_occupations} occupations to {out}")


if __name__ == "__main__":
    main()
