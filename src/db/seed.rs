//! Ships the catalog (skill taxonomy and global skillset templates) into a
//! database: idempotent, run at every start after the migrations.

use diesel::prelude::*;

use super::schema::skills;
use super::{Database, DbConnection};
use crate::domain::SkillKey;
use crate::domain::catalog::{self, BuiltinSkillset};
use crate::domain::skill::{Skill, SkillLevel};
use crate::domain::skillset::{IdealSkillset, SkillRequirement};
use crate::error::{AppError, AppResult};

pub fn ship_catalog(db: &Database) -> AppResult<()> {
    db.write_blocking(|conn| {
        for builtin in catalog::SKILLS {
            let exists: i64 = skills::table.find(builtin.key).count().get_result(conn)?;
            if exists == 0 {
                let skill = Skill {
                    description: Some(builtin.description.into()),
                    ..Skill::named(shipped(SkillKey::parse(builtin.key))?, builtin.name.into(), Some(builtin.category))
                };
                let alt_labels = catalog::SYNONYMS
                    .iter()
                    .find(|(key, _)| *key == builtin.key)
                    .map(|(_, labels)| labels.iter().map(|l| l.to_string()).collect())
                    .unwrap_or_default();
                super::skills::insert(conn, &Skill { alt_labels, ..skill }, true)?;
            }
        }
        ship_skillset(conn, &catalog::CXO_SKILLSET)
    })
}

fn ship_skillset(conn: &mut DbConnection, builtin: &BuiltinSkillset) -> AppResult<()> {
    if super::skillsets::find_builtin(conn, builtin.name)?.is_some() {
        return Ok(());
    }
    let requirements = |list: &[catalog::Requirement]| -> AppResult<Vec<SkillRequirement>> {
        list.iter()
            .map(|&(key, level, weight, must_have)| {
                Ok(SkillRequirement {
                    skill: shipped(SkillKey::parse(key))?,
                    min_level: shipped(SkillLevel::parse(level.into()))?,
                    weight,
                    must_have,
                })
            })
            .collect()
    };
    let owned = |list: &[&str]| list.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    let skillset = IdealSkillset {
        organization_id: None,
        name: builtin.name.into(),
        role_title: Some(builtin.role_title.into()),
        description: Some(builtin.description.into()),
        required_skills: requirements(builtin.required_skills)?,
        preferred_skills: requirements(builtin.preferred_skills)?,
        min_years_experience: builtin.min_years_experience,
        industries: owned(builtin.industries),
        background: owned(builtin.background),
        training: owned(builtin.training),
        languages: owned(builtin.languages),
        crisis_experience: builtin.crisis_experience.to_vec(),
        weights: None,
        credits: None,
        must_have_exact: false,
        match_without_required_skills: false,
    };
    super::skillsets::insert(conn, &skillset, true)?;
    Ok(())
}

fn shipped<T>(value: Result<T, crate::domain::validation::Invalid>) -> AppResult<T> {
    value.map_err(|e| AppError::Internal(anyhow::anyhow!("the shipped catalog is invalid: {}", e.message)))
}
