BEGIN TRANSACTION;
CREATE TABLE archived_files (
	sha256 VARCHAR(64) NOT NULL, 
	size_bytes BIGINT NOT NULL, 
	original_name TEXT NOT NULL, 
	stored_path TEXT NOT NULL, 
	first_seen_at DATETIME NOT NULL, 
	PRIMARY KEY (sha256)
);
INSERT INTO "archived_files" VALUES('e1b6448d2db7e2456be642ba8cb9d439032f89cb9741e8eda813a860ee69aa94',168,'bundle.json','archive/e1/e1b6448d2db7e2456be642ba8cb9d439032f89cb9741e8eda813a860ee69aa94','2026-12-05 03:38:48.151145');
INSERT INTO "archived_files" VALUES('b3ad252a8841f0a8ae88c9f4333ee3a1203ca71899c6fc315fd63dbabbb69312',75,'farms.csv','archive/b3/b3ad252a8841f0a8ae88c9f4333ee3a1203ca71899c6fc315fd63dbabbb69312','2026-12-05 03:38:48.151145');
INSERT INTO "archived_files" VALUES('2f36b2e836fbe6ec2e55bfda5bd06b4fc092b4522589fe0237509ac497800556',2271,'fields.geojson','archive/2f/2f36b2e836fbe6ec2e55bfda5bd06b4fc092b4522589fe0237509ac497800556','2026-12-05 03:38:48.151145');
INSERT INTO "archived_files" VALUES('56d591e9a9b3503b259247b3db3e3364864c588cc4f801c7a84d26135d7c0bc9',199,'operations.csv','archive/56/56d591e9a9b3503b259247b3db3e3364864c588cc4f801c7a84d26135d7c0bc9','2026-12-05 03:38:48.151145');
INSERT INTO "archived_files" VALUES('0ca79bf1e4482011ca01ae67c8c46b9baf0c67f2e25e3841a4414d73bc80124b',4648,'satellite.csv','archive/0c/0ca79bf1e4482011ca01ae67c8c46b9baf0c67f2e25e3841a4414d73bc80124b','2026-12-05 03:38:48.151145');
INSERT INTO "archived_files" VALUES('44c39016f84b0c6fa2dc78f56b61c86ecefe21c2d3a11eeba6e47e759f791117',332,'seasons.csv','archive/44/44c39016f84b0c6fa2dc78f56b61c86ecefe21c2d3a11eeba6e47e759f791117','2026-12-05 03:38:48.151145');
INSERT INTO "archived_files" VALUES('e6b08f16cc2879317dcb8fbe7447c188a39dbbc9272b1eff0823bb4725a9e12c',181,'sensors/devices.csv','archive/e6/e6b08f16cc2879317dcb8fbe7447c188a39dbbc9272b1eff0823bb4725a9e12c','2026-12-05 03:38:48.151145');
INSERT INTO "archived_files" VALUES('79e55e46faff507059952917e27d879b28dbf74c59bedc39dcbd7c6b0bfc6aa8',101,'sensors/long/dev-1_2024.csv','archive/79/79e55e46faff507059952917e27d879b28dbf74c59bedc39dcbd7c6b0bfc6aa8','2026-12-05 03:38:48.151145');
INSERT INTO "archived_files" VALUES('246939803363481b05bdfbf0b50d947035c0b8b9e347ad6bb9f53bce7411ff2a',34956,'weather.csv','archive/24/246939803363481b05bdfbf0b50d947035c0b8b9e347ad6bb9f53bce7411ff2a','2026-12-05 03:38:48.151145');
INSERT INTO "archived_files" VALUES('75ec070a63572ade8ee3e07644bf8d1d4036c7c07c67ac100af7a5869dfcc977',2879,'long_sm-40264.csv','archive/75/75ec070a63572ade8ee3e07644bf8d1d4036c7c07c67ac100af7a5869dfcc977','2026-12-05 03:38:48.253005');
CREATE TABLE bundle_imports (
	bundle_sha256 VARCHAR(64) NOT NULL, 
	cooperative_id VARCHAR(64) NOT NULL, 
	reference_date DATE NOT NULL, 
	imported_at DATETIME NOT NULL, 
	report_json TEXT NOT NULL, 
	PRIMARY KEY (bundle_sha256), 
	FOREIGN KEY(cooperative_id) REFERENCES cooperatives (cooperative_id)
);
INSERT INTO "bundle_imports" VALUES('5aefa2d4dd529e1d6902aa7478b097b714318c1f9a7781d0c65adfd2e301b9bd','coop-test','2025-06-01','2026-12-05 03:38:48.151145','{"bundle_sha256": "5aefa2d4dd529e1d6902aa7478b097b714318c1f9a7781d0c65adfd2e301b9bd", "cooperative_id": "coop-test", "files_archived": 9, "files_known": 0, "tables": {"archived_files": {"added": 9, "unchanged": 0, "updated": 0}, "cooperatives": {"added": 1, "unchanged": 0, "updated": 0}, "crops": {"added": 2, "unchanged": 0, "updated": 0}, "farms": {"added": 2, "unchanged": 0, "updated": 0}, "fields": {"added": 3, "unchanged": 0, "updated": 0}, "operations": {"added": 4, "unchanged": 0, "updated": 0}, "satellite_observations": {"added": 39, "unchanged": 0, "updated": 0}, "seasons": {"added": 5, "unchanged": 0, "updated": 0}, "sensor_devices": {"added": 2, "unchanged": 0, "updated": 0}, "stations": {"added": 1, "unchanged": 0, "updated": 0}, "weather_daily": {"added": 610, "unchanged": 0, "updated": 0}}}');
CREATE TABLE cooperatives (
	cooperative_id VARCHAR(64) NOT NULL, 
	cooperative_name TEXT NOT NULL, 
	timezone VARCHAR(64) NOT NULL, 
	PRIMARY KEY (cooperative_id)
);
INSERT INTO "cooperatives" VALUES('coop-test','Test cooperative','Europe/Amsterdam');
CREATE TABLE crops (
	crop_id VARCHAR(64) NOT NULL, 
	crop_name TEXT NOT NULL, 
	base_temp_degc FLOAT NOT NULL, 
	cap_temp_degc FLOAT NOT NULL, 
	kc_ini FLOAT NOT NULL, 
	kc_mid FLOAT NOT NULL, 
	kc_end FLOAT NOT NULL, 
	max_height_m FLOAT NOT NULL, 
	stage_ini_days FLOAT NOT NULL, 
	stage_dev_days FLOAT NOT NULL, 
	stage_mid_days FLOAT NOT NULL, 
	stage_late_days FLOAT NOT NULL, 
	root_depth_max_m FLOAT NOT NULL, 
	depletion_fraction_p FLOAT NOT NULL, 
	yield_moisture_pct FLOAT NOT NULL, 
	grain_price_eur_t FLOAT NOT NULL, 
	n_max_kg_ha FLOAT NOT NULL, 
	PRIMARY KEY (crop_id)
);
INSERT INTO "crops" VALUES('winter_wheat','Winter wheat',0.0,30.0,0.7,1.15,0.25,1.0,160.0,75.0,75.0,25.0,1.5,0.55,15.0,220.0,250.0);
INSERT INTO "crops" VALUES('grain_maize','Grain maize',10.0,30.0,0.3,1.2,0.35,2.0,30.0,40.0,50.0,50.0,1.0,0.55,15.5,200.0,220.0);
CREATE TABLE farms (
	farm_id VARCHAR(64) NOT NULL, 
	cooperative_id VARCHAR(64) NOT NULL, 
	farm_name TEXT NOT NULL, 
	contact_email TEXT, 
	PRIMARY KEY (farm_id), 
	FOREIGN KEY(cooperative_id) REFERENCES cooperatives (cooperative_id)
);
INSERT INTO "farms" VALUES('farm-a','coop-test','Farm A','a@example.org');
INSERT INTO "farms" VALUES('farm-b','coop-test','Farm B',NULL);
CREATE TABLE fields (
	field_id VARCHAR(64) NOT NULL, 
	farm_id VARCHAR(64) NOT NULL, 
	field_name TEXT NOT NULL, 
	area_ha FLOAT NOT NULL, 
	station_id VARCHAR(64) NOT NULL, 
	irrigated BOOLEAN NOT NULL, 
	sand_pct FLOAT NOT NULL, 
	clay_pct FLOAT NOT NULL, 
	soc_pct FLOAT NOT NULL, 
	field_capacity_m3_m3 FLOAT NOT NULL, 
	wilting_point_m3_m3 FLOAT NOT NULL, 
	root_depth_max_cm FLOAT NOT NULL, 
	boundary_geojson TEXT NOT NULL, 
	PRIMARY KEY (field_id), 
	FOREIGN KEY(farm_id) REFERENCES farms (farm_id), 
	FOREIGN KEY(station_id) REFERENCES stations (station_id)
);
INSERT INTO "fields" VALUES('A1','farm-a','Field A1',6.02,'st-1',0,70.0,8.0,1.2,0.22,0.08,80.0,'{"type":"Polygon","coordinates":[[[5.6,51.95],[5.604377023753408,51.95],[5.604377023753408,51.95179662234999],[5.6,51.95179662234999],[5.6,51.95]]]}');
INSERT INTO "fields" VALUES('A2','farm-a','Field A2',7.02,'st-1',1,35.0,20.0,2.1,0.32,0.14,120.0,'{"type":"Polygon","coordinates":[[[5.609999999999999,51.95],[5.6151065277123084,51.95],[5.6151065277123084,51.95179662234999],[5.609999999999999,51.95179662234999],[5.609999999999999,51.95]]]}');
INSERT INTO "fields" VALUES('B1','farm-b','Field B1',8.02,'st-1',0,15.0,40.0,2.8,0.4,0.22,100.0,'{"type":"Polygon","coordinates":[[[5.619999999999999,51.95],[5.625836031671209,51.95],[5.625836031671209,51.95179662234999],[5.619999999999999,51.95179662234999],[5.619999999999999,51.95]]]}');
CREATE TABLE login_attempts (
	attempt_id INTEGER NOT NULL, 
	username VARCHAR(64) NOT NULL, 
	attempted_at DATETIME NOT NULL, 
	succeeded BOOLEAN NOT NULL, 
	PRIMARY KEY (attempt_id)
);
INSERT INTO "login_attempts" VALUES(1,'grower','2026-12-05 03:38:48.353903',0);
INSERT INTO "login_attempts" VALUES(2,'grower','2026-12-05 03:38:48.394685',1);
CREATE TABLE operations (
	field_id VARCHAR(64) NOT NULL, 
	date DATE NOT NULL, 
	operation VARCHAR(32) NOT NULL, 
	season INTEGER NOT NULL, 
	amount FLOAT NOT NULL, 
	unit VARCHAR(16) NOT NULL, 
	product TEXT, 
	PRIMARY KEY (field_id, date, operation), 
	FOREIGN KEY(field_id, season) REFERENCES seasons (field_id, season)
);
INSERT INTO "operations" VALUES('A1','2024-03-01','nitrogen',2024,70.0,'kg_N_ha','CAN 27%');
INSERT INTO "operations" VALUES('A1','2024-04-15','nitrogen',2024,60.0,'kg_N_ha','CAN 27%');
INSERT INTO "operations" VALUES('A2','2024-07-10','irrigation',2024,25.0,'mm','reel');
INSERT INTO "operations" VALUES('A2','2025-03-05','nitrogen',2025,80.0,'kg_N_ha',NULL);
CREATE TABLE satellite_observations (
	field_id VARCHAR(64) NOT NULL, 
	date DATE NOT NULL, 
	cloud_free_fraction FLOAT NOT NULL, 
	pixel_count INTEGER NOT NULL, 
	ndvi_mean FLOAT, 
	ndvi_std FLOAT, 
	ndvi_p10 FLOAT, 
	ndvi_p50 FLOAT, 
	ndvi_p90 FLOAT, 
	ndre_mean FLOAT, 
	ndre_std FLOAT, 
	ndre_p10 FLOAT, 
	ndre_p50 FLOAT, 
	ndre_p90 FLOAT, 
	ndmi_mean FLOAT, 
	ndmi_std FLOAT, 
	PRIMARY KEY (field_id, date), 
	FOREIGN KEY(field_id) REFERENCES fields (field_id)
);
INSERT INTO "satellite_observations" VALUES('A1','2024-03-01',0.95,600,0.3,0.05,0.24,0.3,0.36,0.15,0.03,1.0999999999999990341e-01,0.15,0.19,NULL,NULL);
INSERT INTO "satellite_observations" VALUES('A1','2024-03-11',0.95,600,3.39999999999999913402e-01,0.05,2.79999999999999915623e-01,3.39999999999999913402e-01,3.99999999999999911182e-01,1.6999999999999990119e-01,0.03,1.29999999999999893418e-01,1.6999999999999990119e-01,0.21,NULL,NULL);
INSERT INTO "satellite_observations" VALUES('A1','2024-03-21',0.95,600,0.38,0.05,0.32,0.38,0.44,0.19,0.03,0.15,0.19,0.23,NULL,NULL);
INSERT INTO "satellite_observations" VALUES('A1','2024-03-31',0.95,600,0.42,0.05,0.36,0.42,0.48,0.21,0.03,1.6999999999999990119e-01,0.21,0.25,NULL,NULL);
INSERT INTO "satellite_observations" VALUES('A1','2024-04-10',0.95,600,4.59999999999999908961e-01,0.05,3.99999999999999911182e-01,4.59999999999999908961e-01,0.52,2.29999999999999898969e-01,0.03,1.89999999999999891198e-01,2.29999999999999898969e-01,2.69999999999999906741e-01,NULL,NULL);
INSERT INTO "satellite_observations" VALUES('A1','2024-04-20',0.95,600,0.5,0.05,0.44,0.5,0.56,0.25,0.03,0.21,0.25,0.29,NULL,NULL);
INSERT INTO "satellite_observations" VALUES('A1','2024-04-30',0.95,600,0.54,0.05,0.48,0.54,6.00000000000000088817e-01,0.27,0.03,0.23,0.27,0.31,NULL,NULL);
INSERT INTO "satellite_observations" VALUES('A1','2024-05-10',0.95,600,5.80000000000000071054e-01,0.05,0.52,5.80000000000000071054e-01,6.40000000000000124344e-01,0.29,0.03,0.25,0.29,0.33,NULL,NULL);
INSERT INTO "satellite_observations" VALUES('A1','2024-05-20',0.95,600,0.62,0.05,0.56,0.62,6.79999999999999937827e-01,0.31,0.03,0.27,0.31,0.35,NULL,NULL);
INSERT INTO "satellite_observations" VALUES('A1','2024-05-30',0.95,600,6.59999999999999920063e-01,0.05,5.99999999999999866773e-01,6.59999999999999920063e-01,0.72,3.2999999999999990452e-01,0.03,0.29,3.2999999999999990452e-01,3.69999999999999884536e-01,NULL,NULL);
INSERT INTO "satellite_observations" VALUES('A1','2024-06-09',0.95,600,0.7,0.05,6.399999999999999023e-01,0.7,0.76,0.35,0.03,0.31,0.35,3.899999999999999023e-01,NULL,NULL);
INSERT INTO "satellite_observations" VALUES('A1','2024-06-19',0.95,600,0.74,0.05,6.79999999999999937827e-01,0.74,0.8,0.37,0.03,0.33,0.37,0.41,NULL,NULL);
INSERT INTO "satellite_observations" VALUES('A1','2024-06-29',0.95,600,0.78,0.05,0.72,0.78,8.40000000000000079936e-01,0.39,0.03,0.35,0.39,0.43,NULL,NULL);
INSERT INTO "satellite_observations" VALUES('A2','2024-03-01',0.95,600,0.3,0.05,0.24,0.3,0.36,0.15,0.03,1.0999999999999990341e-01,0.15,0.19,NULL,NULL);
INSERT INTO "satellite_observations" VALUES('A2','2024-03-11',0.95,600,3.39999999999999913402e-01,0.05,2.79999999999999915623e-01,3.39999999999999913402e-01,3.99999999999999911182e-01,1.6999999999999990119e-01,0.03,1.29999999999999893418e-01,1.6999999999999990119e-01,0.21,NULL,NULL);
INSERT INTO "satellite_observations" VALUES('A2','2024-03-21',0.95,600,0.38,0.05,0.32,0.38,0.44,0.19,0.03,0.15,0.19,0.23,NULL,NULL);
INSERT INTO "satellite_observations" VALUES('A2','2024-03-31',0.95,600,0.42,0.05,0.36,0.42,0.48,0.21,0.03,1.6999999999999990119e-01,0.21,0.25,NULL,NULL);
INSERT INTO "satellite_observations" VALUES('A2','2024-04-10',0.95,600,4.59999999999999908961e-01,0.05,3.99999999999999911182e-01,4.59999999999999908961e-01,0.52,2.29999999999999898969e-01,0.03,1.89999999999999891198e-01,2.29999999999999898969e-01,2.69999999999999906741e-01,NULL,NULL);
INSERT INTO "satellite_observations" VALUES('A2','2024-04-20',0.95,600,0.5,0.05,0.44,0.5,0.56,0.25,0.03,0.21,0.25,0.29,NULL,NULL);
INSERT INTO "satellite_observations" VALUES('A2','2024-04-30',0.95,600,0.54,0.05,0.48,0.54,6.00000000000000088817e-01,0.27,0.03,0.23,0.27,0.31,NULL,NULL);
INSERT INTO "satellite_observations" VALUES('A2','2024-05-10',0.95,600,5.80000000000000071054e-01,0.05,0.52,5.80000000000000071054e-01,6.40000000000000124344e-01,0.29,0.03,0.25,0.29,0.33,NULL,NULL);
INSERT INTO "satellite_observations" VALUES('A2','2024-05-20',0.95,600,0.62,0.05,0.56,0.62,6.79999999999999937827e-01,0.31,0.03,0.27,0.31,0.35,NULL,NULL);
INSERT INTO "satellite_observations" VALUES('A2','2024-05-30',0.95,600,6.59999999999999920063e-01,0.05,5.99999999999999866773e-01,6.59999999999999920063e-01,0.72,3.2999999999999990452e-01,0.03,0.29,3.2999999999999990452e-01,3.69999999999999884536e-01,NULL,NULL);
INSERT INTO "satellite_observations" VALUES('A2','2024-06-09',0.95,600,0.7,0.05,6.399999999999999023e-01,0.7,0.76,0.35,0.03,0.31,0.35,3.899999999999999023e-01,NULL,NULL);
INSERT INTO "satellite_observations" VALUES('A2','2024-06-19',0.95,600,0.74,0.05,6.79999999999999937827e-01,0.74,0.8,0.37,0.03,0.33,0.37,0.41,NULL,NULL);
INSERT INTO "satellite_observations" VALUES('A2','2024-06-29',0.95,600,0.78,0.05,0.72,0.78,8.40000000000000079936e-01,0.39,0.03,0.35,0.39,0.43,NULL,NULL);
INSERT INTO "satellite_observations" VALUES('B1','2024-03-01',0.95,600,0.3,0.05,0.24,0.3,0.36,0.15,0.03,1.0999999999999990341e-01,0.15,0.19,NULL,NULL);
INSERT INTO "satellite_observations" VALUES('B1','2024-03-11',0.95,600,3.39999999999999913402e-01,0.05,2.79999999999999915623e-01,3.39999999999999913402e-01,3.99999999999999911182e-01,1.6999999999999990119e-01,0.03,1.29999999999999893418e-01,1.6999999999999990119e-01,0.21,NULL,NULL);
INSERT INTO "satellite_observations" VALUES('B1','2024-03-21',0.95,600,0.38,0.05,0.32,0.38,0.44,0.19,0.03,0.15,0.19,0.23,NULL,NULL);
INSERT INTO "satellite_observations" VALUES('B1','2024-03-31',0.95,600,0.42,0.05,0.36,0.42,0.48,0.21,0.03,1.6999999999999990119e-01,0.21,0.25,NULL,NULL);
INSERT INTO "satellite_observations" VALUES('B1','2024-04-10',0.95,600,4.59999999999999908961e-01,0.05,3.99999999999999911182e-01,4.59999999999999908961e-01,0.52,2.29999999999999898969e-01,0.03,1.89999999999999891198e-01,2.29999999999999898969e-01,2.69999999999999906741e-01,NULL,NULL);
INSERT INTO "satellite_observations" VALUES('B1','2024-04-20',0.95,600,0.5,0.05,0.44,0.5,0.56,0.25,0.03,0.21,0.25,0.29,NULL,NULL);
INSERT INTO "satellite_observations" VALUES('B1','2024-04-30',0.95,600,0.54,0.05,0.48,0.54,6.00000000000000088817e-01,0.27,0.03,0.23,0.27,0.31,NULL,NULL);
INSERT INTO "satellite_observations" VALUES('B1','2024-05-10',0.95,600,5.80000000000000071054e-01,0.05,0.52,5.80000000000000071054e-01,6.40000000000000124344e-01,0.29,0.03,0.25,0.29,0.33,NULL,NULL);
INSERT INTO "satellite_observations" VALUES('B1','2024-05-20',0.95,600,0.62,0.05,0.56,0.62,6.79999999999999937827e-01,0.31,0.03,0.27,0.31,0.35,NULL,NULL);
INSERT INTO "satellite_observations" VALUES('B1','2024-05-30',0.95,600,6.59999999999999920063e-01,0.05,5.99999999999999866773e-01,6.59999999999999920063e-01,0.72,3.2999999999999990452e-01,0.03,0.29,3.2999999999999990452e-01,3.69999999999999884536e-01,NULL,NULL);
INSERT INTO "satellite_observations" VALUES('B1','2024-06-09',0.95,600,0.7,0.05,6.399999999999999023e-01,0.7,0.76,0.35,0.03,0.31,0.35,3.899999999999999023e-01,NULL,NULL);
INSERT INTO "satellite_observations" VALUES('B1','2024-06-19',0.95,600,0.74,0.05,6.79999999999999937827e-01,0.74,0.8,0.37,0.03,0.33,0.37,0.41,NULL,NULL);
INSERT INTO "satellite_observations" VALUES('B1','2024-06-29',0.95,600,0.78,0.05,0.72,0.78,8.40000000000000079936e-01,0.39,0.03,0.35,0.39,0.43,NULL,NULL);
CREATE TABLE schema_version (
	version INTEGER NOT NULL, 
	applied_at DATETIME NOT NULL, 
	PRIMARY KEY (version)
);
INSERT INTO "schema_version" VALUES(1,'2026-12-05 03:38:48.004565');
CREATE TABLE seasons (
	field_id VARCHAR(64) NOT NULL, 
	season INTEGER NOT NULL, 
	crop VARCHAR(64) NOT NULL, 
	variety TEXT, 
	sowing_date DATE NOT NULL, 
	harvest_date DATE, 
	yield_t_ha FLOAT, 
	yield_moisture_pct FLOAT, 
	PRIMARY KEY (field_id, season), 
	FOREIGN KEY(field_id) REFERENCES fields (field_id), 
	FOREIGN KEY(crop) REFERENCES crops (crop_id)
);
INSERT INTO "seasons" VALUES('A1',2024,'winter_wheat','Julius','2023-10-20','2024-08-01',8.52,15.0);
INSERT INTO "seasons" VALUES('A1',2025,'grain_maize',NULL,'2025-04-25',NULL,NULL,NULL);
INSERT INTO "seasons" VALUES('A2',2024,'grain_maize','P8666','2024-04-28','2024-10-10',11.3,15.5);
INSERT INTO "seasons" VALUES('A2',2025,'winter_wheat','Julius','2024-10-25',NULL,NULL,NULL);
INSERT INTO "seasons" VALUES('B1',2024,'winter_wheat',NULL,'2023-11-02','2024-08-10',7.9,15.0);
CREATE TABLE sensor_devices (
	device_id VARCHAR(64) NOT NULL, 
	port INTEGER NOT NULL, 
	field_id VARCHAR(64) NOT NULL, 
	depth_cm FLOAT NOT NULL, 
	sensor_model TEXT, 
	timezone VARCHAR(64) NOT NULL, 
	installed_date DATE NOT NULL, 
	removed_date DATE, 
	PRIMARY KEY (device_id, port, installed_date), 
	FOREIGN KEY(field_id) REFERENCES fields (field_id)
);
INSERT INTO "sensor_devices" VALUES('dev-1',1,'A2',10.0,'TEROS 12','UTC','2024-05-01','2024-09-30');
INSERT INTO "sensor_devices" VALUES('dev-1',2,'A2',30.0,'TEROS 12','UTC','2024-05-01','2024-09-30');
CREATE TABLE sensor_quarantine (
	quarantine_id INTEGER NOT NULL, 
	upload_id INTEGER NOT NULL, 
	line INTEGER, 
	column_name TEXT, 
	reason TEXT NOT NULL, 
	raw TEXT NOT NULL, 
	PRIMARY KEY (quarantine_id), 
	FOREIGN KEY(upload_id) REFERENCES sensor_uploads (upload_id)
);
CREATE TABLE sensor_readings (
	device_id VARCHAR(64) NOT NULL, 
	port INTEGER NOT NULL, 
	variable VARCHAR(32) NOT NULL, 
	ts BIGINT NOT NULL, 
	value FLOAT NOT NULL, 
	depth_cm FLOAT NOT NULL, 
	field_id VARCHAR(64) NOT NULL, 
	installed_date DATE NOT NULL, 
	qc_flags VARCHAR(64) NOT NULL, 
	upload_id INTEGER NOT NULL, 
	PRIMARY KEY (device_id, port, variable, ts)
)
 WITHOUT ROWID

;
INSERT INTO "sensor_readings" VALUES('dev-1',1,'vwc_m3_m3',1714521600,0.281,10.0,'A2','2024-05-01','',1);
INSERT INTO "sensor_readings" VALUES('sm-40264',1,'soil_temp_degc',1748736000,15.2,10.0,'B1','2025-05-17','',2);
INSERT INTO "sensor_readings" VALUES('sm-40264',1,'soil_temp_degc',1748746800,16.6,10.0,'B1','2025-05-17','',2);
INSERT INTO "sensor_readings" VALUES('sm-40264',1,'soil_temp_degc',1748757600,17.2,10.0,'B1','2025-05-17','',2);
INSERT INTO "sensor_readings" VALUES('sm-40264',1,'soil_temp_degc',1748768400,16.6,10.0,'B1','2025-05-17','',2);
INSERT INTO "sensor_readings" VALUES('sm-40264',1,'soil_temp_degc',1748779200,15.2,10.0,'B1','2025-05-17','',2);
INSERT INTO "sensor_readings" VALUES('sm-40264',1,'soil_temp_degc',1748790000,13.8,10.0,'B1','2025-05-17','',2);
INSERT INTO "sensor_readings" VALUES('sm-40264',1,'soil_temp_degc',1748800800,13.2,10.0,'B1','2025-05-17','',2);
INSERT INTO "sensor_readings" VALUES('sm-40264',1,'soil_temp_degc',1748811600,13.8,10.0,'B1','2025-05-17','',2);
INSERT INTO "sensor_readings" VALUES('sm-40264',1,'soil_temp_degc',1748822400,15.2,10.0,'B1','2025-05-17','',2);
INSERT INTO "sensor_readings" VALUES('sm-40264',1,'soil_temp_degc',1748833200,16.6,10.0,'B1','2025-05-17','',2);
INSERT INTO "sensor_readings" VALUES('sm-40264',1,'soil_temp_degc',1748844000,17.2,10.0,'B1','2025-05-17','',2);
INSERT INTO "sensor_readings" VALUES('sm-40264',1,'soil_temp_degc',1748854800,16.6,10.0,'B1','2025-05-17','',2);
INSERT INTO "sensor_readings" VALUES('sm-40264',1,'vwc_m3_m3',1748736000,0.241,10.0,'B1','2025-05-17','',2);
INSERT INTO "sensor_readings" VALUES('sm-40264',1,'vwc_m3_m3',1748746800,0.24,10.0,'B1','2025-05-17','',2);
INSERT INTO "sensor_readings" VALUES('sm-40264',1,'vwc_m3_m3',1748757600,0.239,10.0,'B1','2025-05-17','',2);
INSERT INTO "sensor_readings" VALUES('sm-40264',1,'vwc_m3_m3',1748768400,0.238,10.0,'B1','2025-05-17','',2);
INSERT INTO "sensor_readings" VALUES('sm-40264',1,'vwc_m3_m3',1748779200,0.237,10.0,'B1','2025-05-17','',2);
INSERT INTO "sensor_readings" VALUES('sm-40264',1,'vwc_m3_m3',1748790000,0.236,10.0,'B1','2025-05-17','',2);
INSERT INTO "sensor_readings" VALUES('sm-40264',1,'vwc_m3_m3',1748800800,0.235,10.0,'B1','2025-05-17','',2);
INSERT INTO "sensor_readings" VALUES('sm-40264',1,'vwc_m3_m3',1748811600,0.234,10.0,'B1','2025-05-17','',2);
INSERT INTO "sensor_readings" VALUES('sm-40264',1,'vwc_m3_m3',1748822400,0.233,10.0,'B1','2025-05-17','',2);
INSERT INTO "sensor_readings" VALUES('sm-40264',1,'vwc_m3_m3',1748833200,0.232,10.0,'B1','2025-05-17','',2);
INSERT INTO "sensor_readings" VALUES('sm-40264',1,'vwc_m3_m3',1748844000,0.231,10.0,'B1','2025-05-17','',2);
INSERT INTO "sensor_readings" VALUES('sm-40264',1,'vwc_m3_m3',1748854800,0.23,10.0,'B1','2025-05-17','',2);
INSERT INTO "sensor_readings" VALUES('sm-40264',2,'soil_temp_degc',1748736000,15.2,30.0,'B1','2025-05-17','',2);
INSERT INTO "sensor_readings" VALUES('sm-40264',2,'soil_temp_degc',1748746800,15.9,30.0,'B1','2025-05-17','',2);
INSERT INTO "sensor_readings" VALUES('sm-40264',2,'soil_temp_degc',1748757600,16.2,30.0,'B1','2025-05-17','',2);
INSERT INTO "sensor_readings" VALUES('sm-40264',2,'soil_temp_degc',1748768400,15.9,30.0,'B1','2025-05-17','',2);
INSERT INTO "sensor_readings" VALUES('sm-40264',2,'soil_temp_degc',1748779200,15.2,30.0,'B1','2025-05-17','',2);
INSERT INTO "sensor_readings" VALUES('sm-40264',2,'soil_temp_degc',1748790000,14.5,30.0,'B1','2025-05-17','',2);
INSERT INTO "sensor_readings" VALUES('sm-40264',2,'soil_temp_degc',1748800800,14.2,30.0,'B1','2025-05-17','',2);
INSERT INTO "sensor_readings" VALUES('sm-40264',2,'soil_temp_degc',1748811600,14.5,30.0,'B1','2025-05-17','',2);
INSERT INTO "sensor_readings" VALUES('sm-40264',2,'soil_temp_degc',1748822400,15.2,30.0,'B1','2025-05-17','',2);
INSERT INTO "sensor_readings" VALUES('sm-40264',2,'soil_temp_degc',1748833200,15.9,30.0,'B1','2025-05-17','',2);
INSERT INTO "sensor_readings" VALUES('sm-40264',2,'soil_temp_degc',1748844000,16.2,30.0,'B1','2025-05-17','',2);
INSERT INTO "sensor_readings" VALUES('sm-40264',2,'soil_temp_degc',1748854800,15.9,30.0,'B1','2025-05-17','',2);
INSERT INTO "sensor_readings" VALUES('sm-40264',2,'vwc_m3_m3',1748736000,0.287,30.0,'B1','2025-05-17','',2);
INSERT INTO "sensor_readings" VALUES('sm-40264',2,'vwc_m3_m3',1748746800,0.286,30.0,'B1','2025-05-17','',2);
INSERT INTO "sensor_readings" VALUES('sm-40264',2,'vwc_m3_m3',1748757600,0.285,30.0,'B1','2025-05-17','',2);
INSERT INTO "sensor_readings" VALUES('sm-40264',2,'vwc_m3_m3',1748768400,0.284,30.0,'B1','2025-05-17','',2);
INSERT INTO "sensor_readings" VALUES('sm-40264',2,'vwc_m3_m3',1748779200,0.283,30.0,'B1','2025-05-17','',2);
INSERT INTO "sensor_readings" VALUES('sm-40264',2,'vwc_m3_m3',1748790000,0.282,30.0,'B1','2025-05-17','',2);
INSERT INTO "sensor_readings" VALUES('sm-40264',2,'vwc_m3_m3',1748800800,0.281,30.0,'B1','2025-05-17','',2);
INSERT INTO "sensor_readings" VALUES('sm-40264',2,'vwc_m3_m3',1748811600,0.28,30.0,'B1','2025-05-17','',2);
INSERT INTO "sensor_readings" VALUES('sm-40264',2,'vwc_m3_m3',1748822400,0.279,30.0,'B1','2025-05-17','',2);
INSERT INTO "sensor_readings" VALUES('sm-40264',2,'vwc_m3_m3',1748833200,0.278,30.0,'B1','2025-05-17','',2);
INSERT INTO "sensor_readings" VALUES('sm-40264',2,'vwc_m3_m3',1748844000,0.277,30.0,'B1','2025-05-17','',2);
INSERT INTO "sensor_readings" VALUES('sm-40264',2,'vwc_m3_m3',1748854800,0.276,30.0,'B1','2025-05-17','',2);
CREATE TABLE sensor_uploads (
	upload_id INTEGER NOT NULL, 
	uploaded_at DATETIME NOT NULL, 
	uploaded_by TEXT NOT NULL, 
	file_name TEXT NOT NULL, 
	file_sha256 VARCHAR(64) NOT NULL, 
	size_bytes BIGINT NOT NULL, 
	context_sha256 VARCHAR(64) NOT NULL, 
	format VARCHAR(16) NOT NULL, 
	status VARCHAR(16) NOT NULL, 
	accepted INTEGER NOT NULL, 
	duplicate INTEGER NOT NULL, 
	rejected INTEGER NOT NULL, 
	flagged INTEGER NOT NULL, 
	message TEXT NOT NULL, 
	report_json TEXT NOT NULL, 
	PRIMARY KEY (upload_id)
);
INSERT INTO "sensor_uploads" VALUES(1,'2026-12-05 03:38:48.233379','bundle import','sensors/long/dev-1_2024.csv','79e55e46faff507059952917e27d879b28dbf74c59bedc39dcbd7c6b0bfc6aa8',101,'1c6b3a4c78e91980e07113dc01f4ac1b0cc7b5925481503d33b526e977ffe922','long','ok',1,0,0,0,'sensors/long/dev-1_2024.csv: 1 accepted, 0 duplicate, 0 rejected, 0 flagged','{"accepted": 1, "conflicting": 0, "devices": ["dev-1"], "duplicate": 0, "empty_cells": 0, "encoding": "utf-8", "file_name": "sensors/long/dev-1_2024.csv", "file_sha256": "79e55e46faff507059952917e27d879b28dbf74c59bedc39dcbd7c6b0bfc6aa8", "first_ts": "2024-05-01T00:00:00Z", "flag_counts": {}, "flagged": 0, "format": "long", "ignored_columns": [], "last_ts": "2024-05-01T00:00:00Z", "notes": [], "problems": [], "quarantined": 0, "reflagged": 0, "rejected": 0, "seconds": 0.034, "size_bytes": 101, "status": "ok", "upload_id": 1, "uploaded_by": "bundle import"}');
INSERT INTO "sensor_uploads" VALUES(2,'2026-12-05 03:38:48.253005','root','long_sm-40264.csv','75ec070a63572ade8ee3e07644bf8d1d4036c7c07c67ac100af7a5869dfcc977',2879,'fbf85b5c2998b3096e47236f360b64578d1f9b220302cb8992a0a93a0c3bd764','long','ok',48,0,0,0,'long_sm-40264.csv: 48 accepted, 0 duplicate, 0 rejected, 0 flagged','{"accepted": 48, "conflicting": 0, "devices": ["sm-40264"], "duplicate": 0, "empty_cells": 0, "encoding": "utf-8", "file_name": "long_sm-40264.csv", "file_sha256": "75ec070a63572ade8ee3e07644bf8d1d4036c7c07c67ac100af7a5869dfcc977", "first_ts": "2025-06-01T00:00:00Z", "flag_counts": {}, "flagged": 0, "format": "long", "ignored_columns": [], "last_ts": "2025-06-02T09:00:00Z", "notes": [], "problems": [], "quarantined": 0, "reflagged": 0, "rejected": 0, "seconds": 0.017, "size_bytes": 2879, "status": "ok", "upload_id": 2, "uploaded_by": "root"}');
CREATE TABLE stations (
	station_id VARCHAR(64) NOT NULL, 
	lat FLOAT NOT NULL, 
	lon FLOAT NOT NULL, 
	elevation_m FLOAT NOT NULL, 
	PRIMARY KEY (station_id)
);
INSERT INTO "stations" VALUES('st-1',51.95,5.6,9.0);
CREATE TABLE user_farms (
	username VARCHAR(64) NOT NULL, 
	farm_id VARCHAR(64) NOT NULL, 
	PRIMARY KEY (username, farm_id), 
	FOREIGN KEY(username) REFERENCES users (username), 
	FOREIGN KEY(farm_id) REFERENCES farms (farm_id)
);
INSERT INTO "user_farms" VALUES('grower','farm-a');
CREATE TABLE user_sessions (
	token_sha256 VARCHAR(64) NOT NULL, 
	username VARCHAR(64) NOT NULL, 
	expires_at DATETIME NOT NULL, 
	PRIMARY KEY (token_sha256), 
	FOREIGN KEY(username) REFERENCES users (username)
);
INSERT INTO "user_sessions" VALUES('e7ac3c41d5d9010cfc1f4586d5b63e941b37e09fa27b32e74f1eb9de20c2b96d','grower','2026-12-05 11:38:48.394685');
CREATE TABLE users (
	username VARCHAR(64) NOT NULL, 
	role VARCHAR(16) NOT NULL, 
	cooperative_id VARCHAR(64) NOT NULL, 
	password_hash TEXT NOT NULL, 
	created_at DATETIME NOT NULL, 
	PRIMARY KEY (username), 
	FOREIGN KEY(cooperative_id) REFERENCES cooperatives (cooperative_id)
);
INSERT INTO "users" VALUES('admin','admin','coop-test','scrypt$16384$8$1$62aba1f60dc1b8395e850886ebe9597b$b8edaa5dfcfea5fa9973247e022460670fed75f7d41d30459dcedeb5819a45cd','2026-12-05 03:38:48.305309');
INSERT INTO "users" VALUES('grower','member','coop-test','scrypt$16384$8$1$3f9425289265d06f644414133ff3fb0a$6a35f4358e2453f60c6cf5f69c9aaa70759b85b32cdfdb207ae49448bee529ee','2026-12-05 03:38:48.352922');
CREATE TABLE weather_daily (
	station_id VARCHAR(64) NOT NULL, 
	date DATE NOT NULL, 
	tmin_degc FLOAT NOT NULL, 
	tmax_degc FLOAT NOT NULL, 
	precip_mm FLOAT NOT NULL, 
	rad_mj_m2 FLOAT, 
	vp_kpa FLOAT, 
	rh_pct FLOAT, 
	wind_m_s FLOAT, 
	PRIMARY KEY (station_id, date), 
	FOREIGN KEY(station_id) REFERENCES stations (station_id)
);
INSERT INTO "weather_daily" VALUES('st-1','2023-10-01',8.5,18.7,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2023-10-02',8.5,18.7,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2023-10-03',8.5,18.6,3.2,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2023-10-04',8.4,18.6,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2023-10-05',8.4,18.5,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2023-10-06',8.4,18.5,3.2,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2023-10-07',8.3,18.4,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2023-10-08',8.3,18.4,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2023-10-09',8.3,18.4,3.2,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2023-10-10',8.2,18.3,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2023-10-11',8.2,18.3,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2023-10-12',8.2,18.2,3.2,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2023-10-13',8.1,18.2,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2023-10-14',8.1,18.1,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2023-10-15',8.1,18.1,3.2,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2023-10-16',8.0,18.0,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2023-10-17',8.0,18.0,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2023-10-18',8.0,18.0,3.2,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2023-10-19',7.9,17.9,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2023-10-20',7.9,17.9,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2023-10-21',7.9,17.8,3.2,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2023-10-22',7.8,17.8,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2023-10-23',7.8,17.7,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2023-10-24',7.8,17.7,3.2,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2023-10-25',7.7,17.6,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2023-10-26',7.7,17.6,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2023-10-27',7.7,17.6,3.2,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2023-10-28',7.6,17.5,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2023-10-29',7.6,17.5,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2023-10-30',7.6,17.4,3.2,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2023-10-31',7.5,17.4,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2023-11-01',7.5,17.3,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2023-11-02',7.5,17.3,3.2,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2023-11-03',7.4,17.2,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2023-11-04',7.4,17.2,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2023-11-05',7.4,17.2,3.2,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2023-11-06',7.3,17.1,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2023-11-07',7.3,17.1,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2023-11-08',7.3,17.0,3.2,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2023-11-09',7.2,17.0,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2023-11-10',7.2,16.9,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2023-11-11',7.2,16.9,3.2,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2023-11-12',7.1,16.8,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2023-11-13',7.1,16.8,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2023-11-14',7.1,16.8,3.2,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2023-11-15',7.0,16.7,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2023-11-16',7.0,16.7,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2023-11-17',7.0,16.6,3.2,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2023-11-18',6.9,16.6,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2023-11-19',6.9,16.5,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2023-11-20',6.9,16.5,3.2,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2023-11-21',6.8,16.4,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2023-11-22',6.8,16.4,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2023-11-23',6.8,16.4,3.2,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2023-11-24',6.7,16.3,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2023-11-25',6.7,16.3,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2023-11-26',6.7,16.2,3.2,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2023-11-27',6.6,16.2,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2023-11-28',6.6,16.1,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2023-11-29',6.6,16.1,3.2,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2023-11-30',6.5,16.0,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2023-12-01',6.5,16.0,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2023-12-02',6.5,16.0,3.2,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2023-12-03',6.4,15.9,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2023-12-04',6.4,15.9,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2023-12-05',6.4,15.8,3.2,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2023-12-06',6.3,15.8,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2023-12-07',6.3,15.7,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2023-12-08',6.3,15.7,3.2,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2023-12-09',6.2,15.6,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2023-12-10',6.2,15.6,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2023-12-11',6.2,15.6,3.2,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2023-12-12',6.1,15.5,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2023-12-13',6.1,15.5,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2023-12-14',6.1,15.4,3.2,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2023-12-15',6.0,15.4,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2023-12-16',6.0,15.3,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2023-12-17',6.0,15.3,3.2,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2023-12-18',5.9,15.2,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2023-12-19',5.9,15.2,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2023-12-20',5.9,15.2,3.2,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2023-12-21',5.8,15.1,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2023-12-22',5.8,15.1,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2023-12-23',5.8,15.0,3.2,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2023-12-24',5.7,15.0,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2023-12-25',5.7,14.9,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2023-12-26',5.7,14.9,3.2,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2023-12-27',5.6,14.8,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2023-12-28',5.6,14.8,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2023-12-29',5.6,14.8,3.2,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2023-12-30',5.5,14.7,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2023-12-31',5.5,14.7,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-01-01',4.4,13.2,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-01-02',4.4,13.2,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-01-03',4.4,13.2,3.2,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-01-04',4.5,13.3,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-01-05',4.5,13.3,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-01-06',4.5,13.4,3.2,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-01-07',4.6,13.4,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-01-08',4.6,13.5,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-01-09',4.6,13.5,3.2,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-01-10',4.7,13.6,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-01-11',4.7,13.6,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-01-12',4.7,13.6,3.2,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-01-13',4.8,13.7,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-01-14',4.8,13.7,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-01-15',4.8,13.8,3.2,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-01-16',4.9,13.8,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-01-17',4.9,13.9,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-01-18',4.9,13.9,3.2,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-01-19',5.0,14.0,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-01-20',5.0,14.0,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-01-21',5.0,14.0,3.2,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-01-22',5.1,14.1,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-01-23',5.1,14.1,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-01-24',5.1,14.2,3.2,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-01-25',5.2,14.2,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-01-26',5.2,14.3,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-01-27',5.2,14.3,3.2,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-01-28',5.3,14.4,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-01-29',5.3,14.4,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-01-30',5.3,14.4,3.2,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-01-31',5.4,14.5,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-02-01',5.4,14.5,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-02-02',5.4,14.6,3.2,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-02-03',5.5,14.6,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-02-04',5.5,14.7,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-02-05',5.5,14.7,3.2,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-02-06',5.6,14.8,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-02-07',5.6,14.8,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-02-08',5.6,14.8,3.2,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-02-09',5.7,14.9,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-02-10',5.7,14.9,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-02-11',5.7,15.0,3.2,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-02-12',5.8,15.0,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-02-13',5.8,15.1,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-02-14',5.8,15.1,3.2,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-02-15',5.9,15.2,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-02-16',5.9,15.2,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-02-17',5.9,15.2,3.2,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-02-18',6.0,15.3,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-02-19',6.0,15.3,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-02-20',6.0,15.4,3.2,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-02-21',6.1,15.4,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-02-22',6.1,15.5,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-02-23',6.1,15.5,3.2,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-02-24',6.2,15.6,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-02-25',6.2,15.6,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-02-26',6.2,15.6,3.2,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-02-27',6.3,15.7,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-02-28',6.3,15.7,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-02-29',6.3,15.8,3.2,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-03-01',6.4,15.8,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-03-02',6.4,15.9,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-03-03',6.4,15.9,3.2,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-03-04',6.5,16.0,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-03-05',6.5,16.0,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-03-06',6.5,16.0,3.2,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-03-07',6.6,16.1,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-03-08',6.6,16.1,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-03-09',6.6,16.2,3.2,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-03-10',6.7,16.2,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-03-11',6.7,16.3,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-03-12',6.7,16.3,3.2,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-03-13',6.8,16.4,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-03-14',6.8,16.4,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-03-15',6.8,16.4,3.2,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-03-16',6.9,16.5,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-03-17',6.9,16.5,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-03-18',6.9,16.6,3.2,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-03-19',7.0,16.6,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-03-20',7.0,16.7,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-03-21',7.0,16.7,3.2,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-03-22',7.1,16.8,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-03-23',7.1,16.8,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-03-24',7.1,16.8,3.2,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-03-25',7.2,16.9,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-03-26',7.2,16.9,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-03-27',7.2,17.0,3.2,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-03-28',7.3,17.0,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-03-29',7.3,17.1,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-03-30',7.3,17.1,3.2,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-03-31',7.4,17.2,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-04-01',7.4,17.2,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-04-02',7.4,17.2,3.2,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-04-03',7.5,17.3,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-04-04',7.5,17.3,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-04-05',7.5,17.4,3.2,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-04-06',7.6,17.4,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-04-07',7.6,17.5,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-04-08',7.6,17.5,3.2,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-04-09',7.7,17.6,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-04-10',7.7,17.6,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-04-11',7.7,17.6,3.2,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-04-12',7.8,17.7,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-04-13',7.8,17.7,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-04-14',7.8,17.8,3.2,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-04-15',7.9,17.8,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-04-16',7.9,17.9,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-04-17',7.9,17.9,3.2,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-04-18',8.0,18.0,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-04-19',8.0,18.0,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-04-20',8.0,18.0,3.2,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-04-21',8.1,18.1,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-04-22',8.1,18.1,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-04-23',8.1,18.2,3.2,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-04-24',8.2,18.2,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-04-25',8.2,18.3,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-04-26',8.2,18.3,3.2,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-04-27',8.3,18.4,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-04-28',8.3,18.4,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-04-29',8.3,18.4,3.2,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-04-30',8.4,18.5,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-05-01',8.4,18.5,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-05-02',8.4,18.6,3.2,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-05-03',8.5,18.6,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-05-04',8.5,18.7,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-05-05',8.5,18.7,3.2,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-05-06',8.6,18.8,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-05-07',8.6,18.8,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-05-08',8.6,18.8,3.2,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-05-09',8.7,18.9,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-05-10',8.7,18.9,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-05-11',8.7,19.0,3.2,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-05-12',8.8,19.0,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-05-13',8.8,19.1,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-05-14',8.8,19.1,3.2,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-05-15',8.9,19.2,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-05-16',8.9,19.2,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-05-17',8.9,19.2,3.2,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-05-18',9.0,19.3,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-05-19',9.0,19.3,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-05-20',9.0,19.4,3.2,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-05-21',9.1,19.4,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-05-22',9.1,19.5,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-05-23',9.1,19.5,3.2,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-05-24',9.2,19.6,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-05-25',9.2,19.6,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-05-26',9.2,19.6,3.2,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-05-27',9.3,19.7,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-05-28',9.3,19.7,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-05-29',9.3,19.8,3.2,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-05-30',9.4,19.8,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-05-31',9.4,19.9,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-06-01',9.4,19.9,3.2,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-06-02',9.5,20.0,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-06-03',9.5,20.0,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-06-04',9.5,20.0,3.2,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-06-05',9.6,20.1,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-06-06',9.6,20.1,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-06-07',9.6,20.2,3.2,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-06-08',9.7,20.2,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-06-09',9.7,20.3,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-06-10',9.7,20.3,3.2,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-06-11',9.8,20.4,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-06-12',9.8,20.4,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-06-13',9.8,20.4,3.2,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-06-14',9.9,20.5,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-06-15',9.9,20.5,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-06-16',9.9,20.6,3.2,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-06-17',10.0,20.6,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-06-18',10.0,20.7,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-06-19',10.0,20.7,3.2,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-06-20',10.1,20.8,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-06-21',10.1,20.8,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-06-22',10.1,20.8,3.2,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-06-23',10.2,20.9,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-06-24',10.2,20.9,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-06-25',10.2,21.0,3.2,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-06-26',10.3,21.0,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-06-27',10.3,21.1,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-06-28',10.3,21.1,3.2,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-06-29',10.4,21.2,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-06-30',10.4,21.2,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-07-01',10.4,21.2,3.2,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-07-02',10.5,21.3,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-07-03',10.5,21.3,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-07-04',10.5,21.4,3.2,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-07-05',10.6,21.4,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-07-06',10.6,21.5,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-07-07',10.6,21.5,3.2,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-07-08',10.7,21.6,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-07-09',10.7,21.6,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-07-10',10.7,21.6,3.2,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-07-11',10.8,21.7,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-07-12',10.8,21.7,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-07-13',10.8,21.8,3.2,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-07-14',10.9,21.8,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-07-15',10.9,21.9,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-07-16',10.9,21.9,3.2,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-07-17',11.0,22.0,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-07-18',11.0,22.0,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-07-19',11.0,22.0,3.2,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-07-20',10.9,21.9,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-07-21',10.9,21.9,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-07-22',10.9,21.8,3.2,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-07-23',10.8,21.8,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-07-24',10.8,21.7,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-07-25',10.8,21.7,3.2,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-07-26',10.7,21.6,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-07-27',10.7,21.6,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-07-28',10.7,21.6,3.2,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-07-29',10.6,21.5,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-07-30',10.6,21.5,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-07-31',10.6,21.4,3.2,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-08-01',10.5,21.4,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-08-02',10.5,21.3,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-08-03',10.5,21.3,3.2,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-08-04',10.4,21.2,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-08-05',10.4,21.2,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-08-06',10.4,21.2,3.2,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-08-07',10.3,21.1,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-08-08',10.3,21.1,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-08-09',10.3,21.0,3.2,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-08-10',10.2,21.0,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-08-11',10.2,20.9,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-08-12',10.2,20.9,3.2,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-08-13',10.1,20.8,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-08-14',10.1,20.8,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-08-15',10.1,20.8,3.2,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-08-16',10.0,20.7,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-08-17',10.0,20.7,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-08-18',10.0,20.6,3.2,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-08-19',9.9,20.6,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-08-20',9.9,20.5,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-08-21',9.9,20.5,3.2,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-08-22',9.8,20.4,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-08-23',9.8,20.4,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-08-24',9.8,20.4,3.2,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-08-25',9.7,20.3,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-08-26',9.7,20.3,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-08-27',9.7,20.2,3.2,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-08-28',9.6,20.2,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-08-29',9.6,20.1,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-08-30',9.6,20.1,3.2,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-08-31',9.5,20.0,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-09-01',9.5,20.0,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-09-02',9.5,20.0,3.2,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-09-03',9.4,19.9,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-09-04',9.4,19.9,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-09-05',9.4,19.8,3.2,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-09-06',9.3,19.8,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-09-07',9.3,19.7,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-09-08',9.3,19.7,3.2,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-09-09',9.2,19.6,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-09-10',9.2,19.6,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-09-11',9.2,19.6,3.2,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-09-12',9.1,19.5,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-09-13',9.1,19.5,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-09-14',9.1,19.4,3.2,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-09-15',9.0,19.4,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-09-16',9.0,19.3,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-09-17',9.0,19.3,3.2,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-09-18',8.9,19.2,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-09-19',8.9,19.2,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-09-20',8.9,19.2,3.2,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-09-21',8.8,19.1,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-09-22',8.8,19.1,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-09-23',8.8,19.0,3.2,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-09-24',8.7,19.0,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-09-25',8.7,18.9,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-09-26',8.7,18.9,3.2,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-09-27',8.6,18.8,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-09-28',8.6,18.8,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-09-29',8.6,18.8,3.2,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-09-30',8.5,18.7,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-10-01',8.5,18.7,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-10-02',8.5,18.6,3.2,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-10-03',8.4,18.6,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-10-04',8.4,18.5,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-10-05',8.4,18.5,3.2,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-10-06',8.3,18.4,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-10-07',8.3,18.4,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-10-08',8.3,18.4,3.2,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-10-09',8.2,18.3,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-10-10',8.2,18.3,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-10-11',8.2,18.2,3.2,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-10-12',8.1,18.2,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-10-13',8.1,18.1,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-10-14',8.1,18.1,3.2,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-10-15',8.0,18.0,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-10-16',8.0,18.0,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-10-17',8.0,18.0,3.2,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-10-18',7.9,17.9,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-10-19',7.9,17.9,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-10-20',7.9,17.8,3.2,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-10-21',7.8,17.8,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-10-22',7.8,17.7,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-10-23',7.8,17.7,3.2,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-10-24',7.7,17.6,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-10-25',7.7,17.6,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-10-26',7.7,17.6,3.2,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-10-27',7.6,17.5,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-10-28',7.6,17.5,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-10-29',7.6,17.4,3.2,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-10-30',7.5,17.4,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-10-31',7.5,17.3,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-11-01',7.5,17.3,3.2,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-11-02',7.4,17.2,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-11-03',7.4,17.2,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-11-04',7.4,17.2,3.2,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-11-05',7.3,17.1,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-11-06',7.3,17.1,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-11-07',7.3,17.0,3.2,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-11-08',7.2,17.0,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-11-09',7.2,16.9,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-11-10',7.2,16.9,3.2,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-11-11',7.1,16.8,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-11-12',7.1,16.8,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-11-13',7.1,16.8,3.2,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-11-14',7.0,16.7,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-11-15',7.0,16.7,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-11-16',7.0,16.6,3.2,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-11-17',6.9,16.6,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-11-18',6.9,16.5,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-11-19',6.9,16.5,3.2,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-11-20',6.8,16.4,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-11-21',6.8,16.4,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-11-22',6.8,16.4,3.2,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-11-23',6.7,16.3,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-11-24',6.7,16.3,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-11-25',6.7,16.2,3.2,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-11-26',6.6,16.2,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-11-27',6.6,16.1,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-11-28',6.6,16.1,3.2,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-11-29',6.5,16.0,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-11-30',6.5,16.0,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-12-01',6.5,16.0,3.2,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-12-02',6.4,15.9,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-12-03',6.4,15.9,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-12-04',6.4,15.8,3.2,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-12-05',6.3,15.8,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-12-06',6.3,15.7,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-12-07',6.3,15.7,3.2,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-12-08',6.2,15.6,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-12-09',6.2,15.6,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-12-10',6.2,15.6,3.2,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-12-11',6.1,15.5,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-12-12',6.1,15.5,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-12-13',6.1,15.4,3.2,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-12-14',6.0,15.4,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-12-15',6.0,15.3,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-12-16',6.0,15.3,3.2,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-12-17',5.9,15.2,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-12-18',5.9,15.2,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-12-19',5.9,15.2,3.2,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-12-20',5.8,15.1,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-12-21',5.8,15.1,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-12-22',5.8,15.0,3.2,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-12-23',5.7,15.0,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-12-24',5.7,14.9,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-12-25',5.7,14.9,3.2,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-12-26',5.6,14.8,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-12-27',5.6,14.8,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-12-28',5.6,14.8,3.2,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-12-29',5.5,14.7,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-12-30',5.5,14.7,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2024-12-31',5.5,14.6,3.2,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2025-01-01',4.4,13.2,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2025-01-02',4.4,13.2,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2025-01-03',4.4,13.2,3.2,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2025-01-04',4.5,13.3,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2025-01-05',4.5,13.3,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2025-01-06',4.5,13.4,3.2,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2025-01-07',4.6,13.4,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2025-01-08',4.6,13.5,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2025-01-09',4.6,13.5,3.2,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2025-01-10',4.7,13.6,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2025-01-11',4.7,13.6,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2025-01-12',4.7,13.6,3.2,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2025-01-13',4.8,13.7,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2025-01-14',4.8,13.7,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2025-01-15',4.8,13.8,3.2,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2025-01-16',4.9,13.8,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2025-01-17',4.9,13.9,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2025-01-18',4.9,13.9,3.2,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2025-01-19',5.0,14.0,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2025-01-20',5.0,14.0,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2025-01-21',5.0,14.0,3.2,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2025-01-22',5.1,14.1,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2025-01-23',5.1,14.1,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2025-01-24',5.1,14.2,3.2,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2025-01-25',5.2,14.2,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2025-01-26',5.2,14.3,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2025-01-27',5.2,14.3,3.2,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2025-01-28',5.3,14.4,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2025-01-29',5.3,14.4,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2025-01-30',5.3,14.4,3.2,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2025-01-31',5.4,14.5,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2025-02-01',5.4,14.5,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2025-02-02',5.4,14.6,3.2,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2025-02-03',5.5,14.6,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2025-02-04',5.5,14.7,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2025-02-05',5.5,14.7,3.2,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2025-02-06',5.6,14.8,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2025-02-07',5.6,14.8,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2025-02-08',5.6,14.8,3.2,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2025-02-09',5.7,14.9,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2025-02-10',5.7,14.9,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2025-02-11',5.7,15.0,3.2,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2025-02-12',5.8,15.0,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2025-02-13',5.8,15.1,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2025-02-14',5.8,15.1,3.2,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2025-02-15',5.9,15.2,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2025-02-16',5.9,15.2,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2025-02-17',5.9,15.2,3.2,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2025-02-18',6.0,15.3,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2025-02-19',6.0,15.3,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2025-02-20',6.0,15.4,3.2,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2025-02-21',6.1,15.4,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2025-02-22',6.1,15.5,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2025-02-23',6.1,15.5,3.2,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2025-02-24',6.2,15.6,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2025-02-25',6.2,15.6,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2025-02-26',6.2,15.6,3.2,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2025-02-27',6.3,15.7,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2025-02-28',6.3,15.7,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2025-03-01',6.3,15.8,3.2,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2025-03-02',6.4,15.8,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2025-03-03',6.4,15.9,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2025-03-04',6.4,15.9,3.2,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2025-03-05',6.5,16.0,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2025-03-06',6.5,16.0,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2025-03-07',6.5,16.0,3.2,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2025-03-08',6.6,16.1,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2025-03-09',6.6,16.1,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2025-03-10',6.6,16.2,3.2,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2025-03-11',6.7,16.2,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2025-03-12',6.7,16.3,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2025-03-13',6.7,16.3,3.2,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2025-03-14',6.8,16.4,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2025-03-15',6.8,16.4,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2025-03-16',6.8,16.4,3.2,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2025-03-17',6.9,16.5,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2025-03-18',6.9,16.5,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2025-03-19',6.9,16.6,3.2,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2025-03-20',7.0,16.6,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2025-03-21',7.0,16.7,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2025-03-22',7.0,16.7,3.2,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2025-03-23',7.1,16.8,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2025-03-24',7.1,16.8,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2025-03-25',7.1,16.8,3.2,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2025-03-26',7.2,16.9,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2025-03-27',7.2,16.9,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2025-03-28',7.2,17.0,3.2,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2025-03-29',7.3,17.0,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2025-03-30',7.3,17.1,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2025-03-31',7.3,17.1,3.2,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2025-04-01',7.4,17.2,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2025-04-02',7.4,17.2,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2025-04-03',7.4,17.2,3.2,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2025-04-04',7.5,17.3,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2025-04-05',7.5,17.3,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2025-04-06',7.5,17.4,3.2,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2025-04-07',7.6,17.4,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2025-04-08',7.6,17.5,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2025-04-09',7.6,17.5,3.2,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2025-04-10',7.7,17.6,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2025-04-11',7.7,17.6,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2025-04-12',7.7,17.6,3.2,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2025-04-13',7.8,17.7,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2025-04-14',7.8,17.7,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2025-04-15',7.8,17.8,3.2,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2025-04-16',7.9,17.8,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2025-04-17',7.9,17.9,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2025-04-18',7.9,17.9,3.2,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2025-04-19',8.0,18.0,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2025-04-20',8.0,18.0,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2025-04-21',8.0,18.0,3.2,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2025-04-22',8.1,18.1,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2025-04-23',8.1,18.1,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2025-04-24',8.1,18.2,3.2,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2025-04-25',8.2,18.2,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2025-04-26',8.2,18.3,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2025-04-27',8.2,18.3,3.2,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2025-04-28',8.3,18.4,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2025-04-29',8.3,18.4,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2025-04-30',8.3,18.4,3.2,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2025-05-01',8.4,18.5,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2025-05-02',8.4,18.5,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2025-05-03',8.4,18.6,3.2,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2025-05-04',8.5,18.6,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2025-05-05',8.5,18.7,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2025-05-06',8.5,18.7,3.2,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2025-05-07',8.6,18.8,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2025-05-08',8.6,18.8,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2025-05-09',8.6,18.8,3.2,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2025-05-10',8.7,18.9,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2025-05-11',8.7,18.9,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2025-05-12',8.7,19.0,3.2,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2025-05-13',8.8,19.0,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2025-05-14',8.8,19.1,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2025-05-15',8.8,19.1,3.2,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2025-05-16',8.9,19.2,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2025-05-17',8.9,19.2,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2025-05-18',8.9,19.2,3.2,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2025-05-19',9.0,19.3,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2025-05-20',9.0,19.3,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2025-05-21',9.0,19.4,3.2,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2025-05-22',9.1,19.4,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2025-05-23',9.1,19.5,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2025-05-24',9.1,19.5,3.2,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2025-05-25',9.2,19.6,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2025-05-26',9.2,19.6,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2025-05-27',9.2,19.6,3.2,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2025-05-28',9.3,19.7,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2025-05-29',9.3,19.7,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2025-05-30',9.3,19.8,3.2,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2025-05-31',9.4,19.8,0.0,12.5,1.1,NULL,3.0);
INSERT INTO "weather_daily" VALUES('st-1','2025-06-01',9.4,19.9,0.0,12.5,1.1,NULL,3.0);
CREATE INDEX ix_sensor_uploads_file_sha256 ON sensor_uploads (file_sha256);
CREATE INDEX ix_login_attempts_username ON login_attempts (username);
CREATE INDEX ix_sensor_quarantine_upload_id ON sensor_quarantine (upload_id);
CREATE INDEX ix_fields_farm_id ON fields (farm_id);
COMMIT;
