//! Diesel's view of the tables in `migrations/` (the same on both backends).

diesel::table! {
    organizations (id) {
        id -> Text,
        name -> Text,
        industry -> Nullable<Text>,
        size -> Nullable<Text>,
        region -> Nullable<Text>,
        country -> Nullable<Text>,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    skills (key) {
        key -> Text,
        name -> Text,
        category -> Nullable<Text>,
        description -> Nullable<Text>,
        builtin -> Bool,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        uri -> Nullable<Text>,
        skill_type -> Nullable<Text>,
        reuse_level -> Nullable<Text>,
        taxonomy -> Nullable<Text>,
        taxonomy_version -> Nullable<Text>,
    }
}

diesel::table! {
    skill_labels (skill_key, position) {
        skill_key -> Text,
        position -> Integer,
        label -> Text,
        normalised -> Text,
    }
}

diesel::table! {
    skill_relations (skill_key, kind, other_key) {
        skill_key -> Text,
        kind -> Text,
        other_key -> Text,
    }
}

diesel::table! {
    taxonomy_revision (id) {
        id -> Integer,
        revision -> BigInt,
    }
}

diesel::table! {
    occupations (key) {
        key -> Text,
        uri -> Text,
        name -> Text,
        alt_labels -> Text,
        isco_group -> Nullable<Text>,
        code -> Nullable<Text>,
        description -> Nullable<Text>,
        taxonomy -> Nullable<Text>,
        taxonomy_version -> Nullable<Text>,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    occupation_skills (occupation_key, skill_key) {
        occupation_key -> Text,
        skill_key -> Text,
        relation -> Text,
    }
}

diesel::joinable!(skill_labels -> skills (skill_key));
diesel::joinable!(occupation_skills -> occupations (occupation_key));
diesel::joinable!(occupation_skills -> skills (skill_key));
diesel::allow_tables_to_appear_in_same_query!(skills, skill_labels, skill_relations, occupations, occupation_skills);

diesel::table! {
    candidates (id) {
        id -> Text,
        external_id -> Nullable<Text>,
        first_name -> Text,
        last_name -> Text,
        email -> Text,
        phone -> Nullable<Text>,
        headline -> Nullable<Text>,
        summary -> Nullable<Text>,
        city -> Nullable<Text>,
        country -> Nullable<Text>,
        remote_preference -> Text,
        willing_to_travel -> Bool,
        day_rate_amount -> Nullable<BigInt>,
        day_rate_currency -> Nullable<Text>,
        available_from -> Nullable<Date>,
        available_until -> Nullable<Date>,
        max_engagement_months -> Nullable<Integer>,
        years_experience -> Integer,
        executive_roles -> Text,
        crisis_experience -> Text,
        background -> Text,
        training -> Text,
        status -> Text,
        consent_given -> Bool,
        consent_recorded_at -> Nullable<Timestamp>,
        retention_until -> Nullable<Date>,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        erased_at -> Nullable<Timestamp>,
        lists -> Text,
        held -> Text,
    }
}

diesel::table! {
    candidate_skills (candidate_id, skill_key) {
        candidate_id -> Text,
        skill_key -> Text,
        level -> Integer,
        years -> Integer,
    }
}

diesel::table! {
    candidate_industries (candidate_id, industry) {
        candidate_id -> Text,
        industry -> Text,
    }
}

diesel::table! {
    candidate_languages (candidate_id, language) {
        candidate_id -> Text,
        language -> Text,
        proficiency -> Text,
    }
}

diesel::table! {
    skillsets (id) {
        id -> Text,
        organization_id -> Nullable<Text>,
        name -> Text,
        role_title -> Nullable<Text>,
        description -> Nullable<Text>,
        min_years_experience -> Integer,
        industries -> Text,
        background -> Text,
        training -> Text,
        languages -> Text,
        crisis_experience -> Text,
        weights -> Nullable<Text>,
        builtin -> Bool,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        credits -> Nullable<Text>,
        must_have_exact -> Bool,
        match_without_required_skills -> Bool,
    }
}

diesel::table! {
    skillset_skills (skillset_id, skill_key) {
        skillset_id -> Text,
        skill_key -> Text,
        required -> Bool,
        min_level -> Integer,
        weight -> Integer,
        must_have -> Bool,
        position -> Integer,
    }
}

diesel::table! {
    needs (id) {
        id -> Text,
        organization_id -> Text,
        title -> Text,
        reason -> Text,
        crisis_signals -> Text,
        skillset_id -> Nullable<Text>,
        start_by -> Nullable<Date>,
        duration_months -> Nullable<Integer>,
        budget_amount -> Nullable<BigInt>,
        budget_currency -> Nullable<Text>,
        city -> Nullable<Text>,
        country -> Nullable<Text>,
        remote_policy -> Text,
        urgency -> Text,
        status -> Text,
        charter -> Text,
        opened_at -> Nullable<Timestamp>,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        external_id -> Nullable<Text>,
        tags -> Text,
        external_ids -> Text,
        custom_fields -> Text,
    }
}

diesel::table! {
    candidate_external_ids (source, external_id) {
        source -> Text,
        external_id -> Text,
        candidate_id -> Text,
    }
}

diesel::table! {
    need_external_ids (organization_id, source, external_id) {
        organization_id -> Text,
        source -> Text,
        external_id -> Text,
        need_id -> Text,
    }
}

diesel::joinable!(candidate_external_ids -> candidates (candidate_id));
diesel::joinable!(need_external_ids -> needs (need_id));

diesel::table! {
    candidate_tags (candidate_id, tag) {
        candidate_id -> Text,
        tag -> Text,
    }
}

diesel::table! {
    need_tags (need_id, tag) {
        need_id -> Text,
        tag -> Text,
    }
}

diesel::joinable!(candidate_tags -> candidates (candidate_id));
diesel::joinable!(need_tags -> needs (need_id));
diesel::joinable!(candidate_skills -> candidates (candidate_id));
diesel::joinable!(candidate_skills -> skills (skill_key));
diesel::joinable!(candidate_industries -> candidates (candidate_id));
diesel::joinable!(candidate_languages -> candidates (candidate_id));
diesel::joinable!(skillset_skills -> skillsets (skillset_id));
diesel::joinable!(skillset_skills -> skills (skill_key));
diesel::joinable!(skillsets -> organizations (organization_id));
diesel::joinable!(needs -> organizations (organization_id));
diesel::joinable!(needs -> skillsets (skillset_id));

diesel::allow_tables_to_appear_in_same_query!(
    organizations,
    skills,
    candidates,
    candidate_skills,
    candidate_industries,
    candidate_languages,
    skillsets,
    skillset_skills,
    needs,
    candidate_tags,
    need_tags,
    candidate_external_ids,
    need_external_ids,
);

diesel::table! {
    users (id) {
        id -> Text,
        email -> Text,
        display_name -> Nullable<Text>,
        password_hash -> Text,
        role -> Text,
        organization_id -> Nullable<Text>,
        active -> Bool,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        token_epoch -> BigInt,
        user_name -> Nullable<Text>,
        user_name_key -> Nullable<Text>,
        external_id -> Nullable<Text>,
        given_name -> Nullable<Text>,
        family_name -> Nullable<Text>,
        provisioned -> Bool,
        idp_active -> Bool,
    }
}

diesel::table! {
    scim_groups (id) {
        id -> Text,
        display_name -> Text,
        display_name_key -> Text,
        external_id -> Nullable<Text>,
        role -> Nullable<Text>,
        organization_id -> Nullable<Text>,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    scim_group_members (group_id, user_id) {
        group_id -> Text,
        user_id -> Text,
    }
}

diesel::joinable!(scim_group_members -> scim_groups (group_id));
diesel::joinable!(scim_group_members -> users (user_id));
diesel::allow_tables_to_appear_in_same_query!(scim_groups, scim_group_members, users);

diesel::table! {
    api_keys (id) {
        id -> Text,
        name -> Text,
        secret_hash -> Text,
        scopes -> Text,
        organization_id -> Nullable<Text>,
        expires_at -> Nullable<Timestamp>,
        revoked_at -> Nullable<Timestamp>,
        last_used_at -> Nullable<Timestamp>,
        created_by -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    audit_events (id) {
        id -> Text,
        occurred_at -> Timestamp,
        actor -> Text,
        actor_kind -> Text,
        role -> Nullable<Text>,
        organization_id -> Nullable<Text>,
        action -> Text,
        object_type -> Nullable<Text>,
        object_id -> Nullable<Text>,
        outcome -> Text,
        status -> Integer,
        request_id -> Nullable<Text>,
    }
}

diesel::joinable!(users -> organizations (organization_id));
diesel::joinable!(api_keys -> organizations (organization_id));
diesel::allow_tables_to_appear_in_same_query!(users, api_keys, audit_events, organizations, idempotency_keys);

diesel::table! {
    idempotency_keys (caller, idempotency_key) {
        caller -> Text,
        idempotency_key -> Text,
        request_hash -> Text,
        status -> Nullable<Integer>,
        response_body -> Nullable<Text>,
        location -> Nullable<Text>,
        etag -> Nullable<Text>,
        content_type -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    candidate_changes (seq) {
        seq -> BigInt,
        candidate_id -> Text,
        changed_at -> Timestamp,
    }
}

diesel::table! {
    pipeline_entries (id) {
        id -> Text,
        need_id -> Text,
        candidate_id -> Text,
        organization_id -> Text,
        stage -> Text,
        reason -> Nullable<Text>,
        match_score -> Nullable<Double>,
        match_skillset_id -> Nullable<Text>,
        match_skillset_version -> Nullable<BigInt>,
        match_explanation -> Nullable<Text>,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        reason_detail -> Nullable<Text>,
    }
}

diesel::table! {
    pipeline_moves (id) {
        id -> Text,
        entry_id -> Text,
        from_stage -> Nullable<Text>,
        to_stage -> Text,
        reason -> Nullable<Text>,
        note -> Nullable<Text>,
        actor -> Text,
        moved_at -> Timestamp,
        reason_detail -> Nullable<Text>,
    }
}

diesel::table! {
    pipeline_reasons (code) {
        code -> Text,
        label -> Text,
        description -> Nullable<Text>,
        for_rejection -> Bool,
        for_withdrawal -> Bool,
        active -> Bool,
        position -> Integer,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    pipeline_notes (id) {
        id -> Text,
        entry_id -> Text,
        body -> Text,
        author -> Text,
        created_at -> Timestamp,
    }
}

diesel::joinable!(pipeline_moves -> pipeline_entries (entry_id));
diesel::joinable!(pipeline_notes -> pipeline_entries (entry_id));
diesel::allow_tables_to_appear_in_same_query!(pipeline_entries, pipeline_moves, pipeline_notes);

diesel::table! {
    assignments (id) {
        id -> Text,
        candidate_id -> Text,
        need_id -> Text,
        organization_id -> Text,
        pipeline_entry_id -> Nullable<Text>,
        start_date -> Date,
        planned_end -> Date,
        actual_end -> Nullable<Date>,
        day_rate_amount -> BigInt,
        day_rate_currency -> Text,
        status -> Text,
        termination_reason -> Nullable<Text>,
        outcome_rating -> Nullable<Integer>,
        evaluation -> Nullable<Text>,
        successor_candidate_id -> Nullable<Text>,
        successor_name -> Nullable<Text>,
        hand_over_date -> Nullable<Date>,
        hand_over_notes -> Nullable<Text>,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        custom_fields -> Text,
    }
}

diesel::table! {
    assignment_extensions (id) {
        id -> Text,
        assignment_id -> Text,
        previous_end -> Date,
        new_end -> Date,
        reason -> Text,
        agreed_by -> Text,
        actor -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    assignment_milestones (id) {
        id -> Text,
        assignment_id -> Text,
        position -> Integer,
        title -> Text,
        skill_key -> Nullable<Text>,
        status -> Text,
        due_date -> Nullable<Date>,
        notes -> Nullable<Text>,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    assignment_check_ins (id) {
        id -> Text,
        assignment_id -> Text,
        metric -> Text,
        value -> Double,
        measured_on -> Date,
        note -> Nullable<Text>,
        actor -> Text,
        created_at -> Timestamp,
    }
}

diesel::allow_tables_to_appear_in_same_query!(
    assignments,
    assignment_extensions,
    assignment_milestones,
    assignment_check_ins
);

diesel::table! {
    webhook_subscriptions (id) {
        id -> Text,
        url -> Text,
        description -> Nullable<Text>,
        events -> Text,
        organization_id -> Nullable<Text>,
        active -> Bool,
        secret -> Text,
        previous_secret -> Nullable<Text>,
        previous_secret_expires_at -> Nullable<Timestamp>,
        version -> BigInt,
        created_by -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    webhook_events (id) {
        id -> Text,
        event_type -> Text,
        organization_id -> Nullable<Text>,
        payload -> Text,
        occurred_at -> Timestamp,
    }
}

diesel::table! {
    webhook_deliveries (id) {
        id -> Text,
        subscription_id -> Text,
        event_id -> Text,
        status -> Text,
        attempts -> Integer,
        next_attempt_at -> Nullable<Timestamp>,
        claimed_until -> Nullable<Timestamp>,
        last_attempt_at -> Nullable<Timestamp>,
        last_status_code -> Nullable<Integer>,
        last_error -> Nullable<Text>,
        delivered_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
    }
}

diesel::joinable!(webhook_deliveries -> webhook_events (event_id));
diesel::allow_tables_to_appear_in_same_query!(webhook_subscriptions, webhook_events, webhook_deliveries);

diesel::table! {
    candidate_consents (id) {
        id -> Text,
        candidate_id -> Text,
        purpose -> Text,
        given_at -> Timestamp,
        expires_at -> Nullable<Timestamp>,
        withdrawn_at -> Nullable<Timestamp>,
        source -> Nullable<Text>,
        recorded_by -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    scheduled_jobs (name) {
        name -> Text,
        next_run_at -> Timestamp,
    }
}

diesel::table! {
    job_runs (id) {
        id -> Text,
        job -> Text,
        instance -> Text,
        started_at -> Timestamp,
        finished_at -> Nullable<Timestamp>,
        affected -> Integer,
    }
}

diesel::table! {
    exchange_rates (key) {
        key -> Text,
        base -> Text,
        quote -> Text,
        valid_from -> Date,
        rate -> Double,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    exchange_rates_revision (id) {
        id -> Integer,
        revision -> BigInt,
    }
}

diesel::table! {
    documents (id) {
        id -> Text,
        candidate_id -> Nullable<Text>,
        assignment_id -> Nullable<Text>,
        kind -> Text,
        filename -> Text,
        content_type -> Text,
        size_bytes -> BigInt,
        sha256 -> Text,
        text_status -> Text,
        text_error -> Nullable<Text>,
        text -> Nullable<Text>,
        uploaded_by -> Text,
        version -> BigInt,
        created_at -> Timestamp,
        content -> Binary,
    }
}

diesel::table! {
    /// What full-text search reads of a candidate (see the migration candidate_search).
    candidate_texts (candidate_id) {
        seq -> BigInt,
        candidate_id -> Text,
        name -> Text,
        headline -> Text,
        summary -> Text,
        skills -> Text,
        notes -> Text,
        documents -> Text,
    }
}

diesel::table! {
    /// SQLite only: the FTS5 index over `candidate_texts` (PostgreSQL has a
    /// tsvector column there instead, which only SQL fragments name).
    candidate_search (rowid) {
        rowid -> BigInt,
    }
}

diesel::joinable!(candidate_texts -> candidates (candidate_id));
diesel::allow_tables_to_appear_in_same_query!(candidates, candidate_texts, candidate_search);
// The list filters' correlated subqueries, inside a search's join.
diesel::allow_tables_to_appear_in_same_query!(candidate_texts, candidate_skills);
diesel::allow_tables_to_appear_in_same_query!(candidate_texts, candidate_industries);
diesel::allow_tables_to_appear_in_same_query!(candidate_texts, candidate_languages);
diesel::allow_tables_to_appear_in_same_query!(candidate_search, candidate_skills);
diesel::allow_tables_to_appear_in_same_query!(candidate_search, candidate_industries);
diesel::allow_tables_to_appear_in_same_query!(candidate_search, candidate_languages);

diesel::table! {
    /// The change feed: every announced event, in commit order.
    changes (seq) {
        seq -> BigInt,
        event_id -> Text,
        event_type -> Text,
        resource -> Text,
        resource_id -> Text,
        organization_id -> Nullable<Text>,
        read_scope -> Text,
        data -> Text,
        occurred_at -> Timestamp,
    }
}

diesel::table! {
    /// One row: the last sequence number the change feed forgot.
    changes_horizon (id) {
        id -> Integer,
        forgotten_through -> BigInt,
    }
}

diesel::table! {
    /// What a candidate is compared by to find possible duplicates.
    candidate_keys (candidate_id, rule, value) {
        candidate_id -> Text,
        rule -> Text,
        value -> Text,
    }
}

diesel::table! {
    /// Pairs reviewed and found to be two people (the smaller id first).
    candidate_distinct_pairs (candidate_id, other_id) {
        candidate_id -> Text,
        other_id -> Text,
        decided_by -> Text,
        decided_at -> Timestamp,
    }
}

diesel::table! {
    /// Candidates merged into another.
    candidate_merges (merged_id) {
        merged_id -> Text,
        survivor_id -> Text,
        merged_by -> Text,
        merged_at -> Timestamp,
    }
}

diesel::allow_tables_to_appear_in_same_query!(candidates, candidate_keys);

diesel::table! {
    /// Notes on candidates, needs and assignments.
    notes (id) {
        id -> Text,
        subject -> Text,
        subject_id -> Text,
        visibility -> Text,
        organization_id -> Nullable<Text>,
        body -> Text,
        author -> Text,
        created_at -> Timestamp,
        version -> BigInt,
        updated_at -> Nullable<Timestamp>,
    }
}
diesel::table! {
    candidate_former_external_ids (source, external_id) {
        source -> Text,
        external_id -> Text,
        candidate_id -> Text,
        merged_id -> Text,
    }
}
diesel::table! {
    candidate_search_stale (candidate_id) {
        candidate_id -> Text,
    }
}
diesel::allow_tables_to_appear_in_same_query!(candidate_search_stale, candidate_skills);
diesel::allow_tables_to_appear_in_same_query!(candidate_texts, candidate_tags);
diesel::allow_tables_to_appear_in_same_query!(candidate_search, candidate_tags);
diesel::allow_tables_to_appear_in_same_query!(candidate_texts, candidate_external_ids);
diesel::allow_tables_to_appear_in_same_query!(candidate_search, candidate_external_ids);
diesel::allow_tables_to_appear_in_same_query!(candidates, candidate_former_external_ids);
diesel::allow_tables_to_appear_in_same_query!(candidate_texts, candidate_former_external_ids);
diesel::allow_tables_to_appear_in_same_query!(candidate_search, candidate_former_external_ids);

diesel::table! {
    custom_fields (resource, key) {
        resource -> Text,
        key -> Text,
        label -> Text,
        description -> Nullable<Text>,
        field_type -> Text,
        options -> Text,
        required -> Bool,
        organization_id -> Nullable<Text>,
        active -> Bool,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    candidate_custom_values (candidate_id, key, value) {
        candidate_id -> Text,
        key -> Text,
        value -> Text,
    }
}

diesel::table! {
    need_custom_values (need_id, key, value) {
        need_id -> Text,
        key -> Text,
        value -> Text,
    }
}

diesel::table! {
    assignment_custom_values (assignment_id, key, value) {
        assignment_id -> Text,
        key -> Text,
        value -> Text,
    }
}

diesel::joinable!(candidate_custom_values -> candidates (candidate_id));
diesel::joinable!(need_custom_values -> needs (need_id));
diesel::joinable!(assignment_custom_values -> assignments (assignment_id));
diesel::allow_tables_to_appear_in_same_query!(candidates, candidate_custom_values);
diesel::allow_tables_to_appear_in_same_query!(candidate_texts, candidate_custom_values);
diesel::allow_tables_to_appear_in_same_query!(candidate_search, candidate_custom_values);
diesel::allow_tables_to_appear_in_same_query!(needs, need_custom_values);
diesel::allow_tables_to_appear_in_same_query!(assignments, assignment_custom_values);
