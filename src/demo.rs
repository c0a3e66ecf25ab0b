pub fn load(_db: &crate::db::Database) -> anyhow::Result<String> {
    Ok(String::new())
}
