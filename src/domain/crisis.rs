//! The crisis situations in which organizations call in an interim executive,
//! as the practice's seed text lists them.

text_enum! {
    /// A crisis signal observed at an organization, or turned around by a candidate.
    pub enum CrisisSignal {
        /// Consistent negative feedback from customers.
        NegativeCustomerFeedback = "negative_customer_feedback",
        /// An online reputation crisis, often following negative feedback.
        OnlineReputationCrisis = "online_reputation_crisis",
        HighEmployeeTurnover = "high_employee_turnover",
        /// Trouble recruiting quality talent.
        TroubleRecruitingTalent = "trouble_recruiting_talent",
        LowMoraleAndEngagement = "low_morale_and_engagement",
        ManagementIssues = "management_issues",
        /// A significant drop in sales.
        SignificantSalesDrop = "significant_sales_drop",
        KpisNotMet = "kpis_not_met",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eight_signals_round_trip() {
        assert_eq!(CrisisSignal::ALL.len(), 8);
        for signal in CrisisSignal::ALL {
            assert_eq!(signal.as_str().parse::<CrisisSignal>().unwrap(), *signal);
            assert_eq!(serde_json::to_value(signal).unwrap(), signal.as_str());
        }
    }
}
