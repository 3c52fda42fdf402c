{{ stage_lake_feed('warranty_registrations') }}
